/** Worker-thread entry: runs one simulation given as workerData and posts its result. */
import { parentPort, workerData } from 'node:worker_threads';
import { simulate, type SimConfig } from './simulation.js';

if (!process.env.SIM_STACKS) Error.stackTraceLimit = 0;
const result = await simulate(workerData as SimConfig);
parentPort?.postMessage(result);
