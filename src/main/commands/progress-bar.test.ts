import { describe, it, expect } from 'vitest';
import { ProgressBar } from './progress-bar.js';

describe('progress bar', () => {
  it('redraws in place on a terminal, throttled to 100 ms', () => {
    let out = '';
    let t = 0;
    const bar = new ProgressBar({ isTTY: true, columns: 80, write: (s) => (out += s) }, () => t);
    bar.update(0.5, 'half');
    t = 50;
    bar.update(0.6, 'skipped');
    t = 150;
    bar.update(1, 'all');
    bar.done('finished');
    expect(out).toBe('\r\x1b[2K[############------------]  50% half\r\x1b[2K[########################] 100% all\r\x1b[2Kfinished\n');
  });

  it('prints plain lines at most every 5 s elsewhere', () => {
    let out = '';
    let t = 0;
    const bar = new ProgressBar({ write: (s) => (out += s) }, () => t);
    bar.update(0.1, 'a');
    t = 1000;
    bar.update(0.2, 'b');
    t = 6000;
    bar.update(null, 'c');
    bar.update(0.3, 'd', true);
    expect(out).toBe(' 10% a\nc\n 30% d\n');
  });
});
