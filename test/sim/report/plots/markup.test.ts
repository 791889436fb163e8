import t from 'tap';
import { element, escapeHtml, fragment, Markup } from '../../../../sim/report/plots/markup.js';

t.test('strings are text: in content and in attributes', async (t) => {
  t.equal(escapeHtml(`<a href="x">&'`), '&#60;a href=&#34;x&#34;&#62;&#38;&#39;');
  t.equal(element('p', { title: '"><script>' }, '<b>', 3).html, '<p title="&#34;&#62;&#60;script&#62;">&#60;b&#62;3</p>');
});

t.test('children nest, markup passes through, absent attributes are left out', async (t) => {
  const html = element('g', { class: 'bars', hidden: true, 'data-none': undefined, 'data-off': false }, [element('rect', { x: 1 }), null, 'a'], fragment('b', new Markup('<i>c</i>'))).html;
  t.equal(html, '<g class="bars" hidden><rect x="1"></rect>ab<i>c</i></g>');
  t.equal(element('meta', { charset: 'utf-8' }).html, '<meta charset="utf-8">', 'void elements have no end tag');
});

t.test('tag and attribute names are checked, though they come from code', async (t) => {
  t.throws(() => element('p onclick=x', {}));
  t.throws(() => element('p', { 'onclick="x" a': 1 }));
});
