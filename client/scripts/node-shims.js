// Injected into the embed bundle by esbuild: the Node globals that simple-peer expects,
// as module-scoped bindings (the embedding page's globals are left alone).
import { Buffer } from 'buffer';
import process from 'process/browser.js';

export { Buffer, process };
