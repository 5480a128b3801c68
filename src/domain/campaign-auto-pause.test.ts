import { describe, it, expect } from 'vitest';
import { bouncePauseReason } from './campaign-auto-pause.js';

describe('bounce auto-pause rule (default 5 % after 100 sends)', () => {
  it('waits for the minimum number of attempts', () => {
    expect(bouncePauseReason({ sent: 0, bounced: 99, failed: 0 }, 0.05, 100)).toBeNull();
  });

  it('pauses only above the threshold, with the figures in the reason', () => {
    expect(bouncePauseReason({ sent: 95, bounced: 5, failed: 0 }, 0.05, 100)).toBeNull();
    expect(bouncePauseReason({ sent: 94, bounced: 6, failed: 0 }, 0.05, 100)).toBe('auto-paused: bounce rate 6 % (6 of 100 attempted) is above 5 %');
    expect(bouncePauseReason({ sent: 180, bounced: 11, failed: 9 }, 0.05, 100)).toBe('auto-paused: bounce rate 5.5 % (11 of 200 attempted) is above 5 %');
  });

  it('never pauses with no threshold', () => {
    expect(bouncePauseReason({ sent: 0, bounced: 1000, failed: 0 }, null, 100)).toBeNull();
  });
});
