/**
 * The shape of a daemon's control API, as types: a table of method ->
 * params -> result (`node-api.ts`, `gateway-api.ts`). The server's
 * handlers, the client's calls and the CLI verbs are all typed from it, so
 * a field renamed on one side fails to compile on the other.
 */

/** One method: what the client sends, what the daemon answers (plain JSON). */
export interface ControlMethod<Params extends object, Result> {
  readonly params: Params;
  readonly result: Result;
}

/** A daemon's table. A type alias, not an interface, so that it has an index signature; so are the params. */
export type ControlApi = { readonly [method: string]: ControlMethod<Readonly<Record<string, unknown>>, unknown> };

export type ParamsOf<Api extends ControlApi, M extends keyof Api> = Api[M]['params'];
export type ResultOf<Api extends ControlApi, M extends keyof Api> = Api[M]['result'];

/**
 * The params as they arrive from the socket: named by the table, but each
 * value unchecked until its handler checks it (a client may send anything).
 */
export type UncheckedParams<Params extends object> = { readonly [K in keyof Params]?: unknown };

/** One handler per method of the table, answering its result. */
export type ControlHandlers<Api extends ControlApi> = {
  readonly [M in keyof Api]: (params: UncheckedParams<ParamsOf<Api, M>>) => ResultOf<Api, M> | Promise<ResultOf<Api, M>>;
};

/**
 * What a CLI verb may meet when it does not know which daemon answers
 * (`lnmesh status` against a node or a gateway): a method either table
 * has, with either's params and either's result.
 */
export type EitherApi<A extends ControlApi, B extends ControlApi> = {
  readonly [M in keyof A | keyof B]: ControlMethod<
    (M extends keyof A ? ParamsOf<A, M> : object) & (M extends keyof B ? ParamsOf<B, M> : object),
    (M extends keyof A ? ResultOf<A, M> : never) | (M extends keyof B ? ResultOf<B, M> : never)
  >;
};
