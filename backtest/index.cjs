// CommonJS entry of `iftb-executor/backtest` (require): the module is ESM (backtest/index.mjs);
// Node >= 20.19 / 22.12 loads it with require().
module.exports = require('./index.mjs');
