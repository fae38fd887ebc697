// CommonJS entry of `iftb-executor/proxy` (require): the module is ESM (server/proxy.mjs);
// Node >= 20.19 / 22.12 loads it with require().
module.exports = require('./proxy.mjs');
