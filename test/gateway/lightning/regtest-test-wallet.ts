// Moved to sim/kit/ (bench/ uses it too); kept here so that the tests' imports stay as they are.
export { RegtestTestWallet } from '../../../sim/kit/regtest-test-wallet.js';
