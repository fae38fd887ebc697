// CommonJS entry of `iftb-executor/server/exchange.mjs` (require): the module is ESM
// (server/exchange.mjs); Node >= 20.19 / 22.12 loads it with require().
module.exports = require('./exchange.mjs');
