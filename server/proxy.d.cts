// `require("iftb-executor/proxy")`: the declarations of server/proxy.d.mts.
type M = typeof import('./proxy.mjs', { with: { 'resolution-mode': 'import' } });
export type { ProxyOptions, ProxyStats, RunningProxy } from './proxy.mjs' with { 'resolution-mode': 'import' };
export declare const UPSTREAMS: M['UPSTREAMS'];
export declare const DEFAULT_PORT: M['DEFAULT_PORT'];
export declare const startProxy: M['startProxy'];
