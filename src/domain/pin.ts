// A pin: who pinned a snapshot, when and why (the `_pinned` file inside it). Pure rules over its record.

export interface PinInfo {
  pinnedAt?: string;
  user?: string;
  reason?: string;
}

/**
 * The record a pin request leaves. Pinning again without a reason keeps the reason (and who and when) of the
 * pin already there: `pin P` after `pin P --reason "before v2"` must not drop why P is kept.
 */
export function nextPin(existing: PinInfo | undefined, request: { user: string; reason?: string; now: Date }): PinInfo {
  const reason = request.reason?.trim() || undefined;
  if (existing && reason === undefined) return existing;
  return { pinnedAt: request.now.toISOString(), user: request.user, ...(reason ? { reason } : {}) };
}

/** A pin record as stored; anything unreadable is a pin without facts (the file's presence is what pins). */
export function parsePin(text: string): PinInfo {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return {};
    const { pinnedAt, user, reason } = value as Record<string, unknown>;
    return {
      ...(typeof pinnedAt === 'string' ? { pinnedAt } : {}),
      ...(typeof user === 'string' ? { user } : {}),
      ...(typeof reason === 'string' ? { reason } : {}),
    };
  } catch {
    return {};
  }
}
