// Worker thread body: generates one identity (the memory-hard hash takes 50–250 ms of CPU)
// and posts its secret string to the parent, which writes it 0600 and never logs it.
import { parentPort } from 'node:worker_threads';
import { generateIdentity } from '../protocol/identity-crypto.js';
import { secureRandomBytes } from '../crypto/random.js';

parentPort?.postMessage(generateIdentity(secureRandomBytes).toString(true));
