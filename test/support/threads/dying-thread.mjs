// A delivery thread that dies on its first batch, as a crash in a transport would: for ThreadedComposeSend's tests.
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => {
  if (m.type === 'batch') process.exit(3);
});
