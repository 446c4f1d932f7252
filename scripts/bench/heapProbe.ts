// The JS heap of the page and of its training worker, from outside, for the soak (soakRun.ts).
// Chromium has no `performance.memory` in dedicated workers (checked in Chromium 156: the page has
// it, the worker does not), so the worker cannot report its own heap. The DevTools protocol can:
// a collection (HeapProfiler.collectGarbage), then Runtime.getHeapUsage, gives the heap that
// survives, without the saw-tooth of garbage waiting to be collected. Playwright opens protocol
// sessions on pages only; the worker is reached through a browser session's Target domain, whose
// messages to the worker travel as strings (Target.sendMessageToTarget).

import type { Browser, CDPSession, Page } from '@playwright/test';

/** Bytes of a JS heap after a full collection. */
export interface HeapReader {
  usedAfterGc(): Promise<number>;
}

interface HeapUsage {
  usedSize: number;
}

const isHeapUsage = (x: unknown): x is HeapUsage =>
  typeof x === 'object' && x !== null && 'usedSize' in x && typeof x.usedSize === 'number';

function heapOrThrow(where: string, result: unknown): number {
  if (!isHeapUsage(result)) throw new Error(`Runtime.getHeapUsage in the ${where}: expected { usedSize }, got ${JSON.stringify(result)}`);
  return result.usedSize;
}

/** The page's own heap: the store, its ring buffers, React. */
export async function pageHeap(page: Page): Promise<HeapReader> {
  const cdp = await page.context().newCDPSession(page);
  return {
    async usedAfterGc() {
      await cdp.send('HeapProfiler.collectGarbage');
      return heapOrThrow('page', await cdp.send('Runtime.getHeapUsage'));
    },
  };
}

/** The heap of the dedicated worker whose script URL contains `urlPart`. */
export async function workerHeap(browser: Browser, urlPart: string): Promise<HeapReader> {
  const cdp: CDPSession = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.find((t) => t.type === 'worker' && t.url.includes(urlPart));
  if (!target) throw new Error(`no worker whose URL contains "${urlPart}" among ${targetInfos.map((t) => `${t.type} ${t.url}`).join(', ')}`);
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  const waiting = new Map<number, (reply: { result?: unknown; error?: unknown }) => void>();
  let nextId = 1;
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    if (e.sessionId !== sessionId) return;
    const reply: unknown = JSON.parse(e.message);
    if (typeof reply !== 'object' || reply === null || !('id' in reply) || typeof reply.id !== 'number') return;
    waiting.get(reply.id)?.({ result: 'result' in reply ? reply.result : undefined, error: 'error' in reply ? reply.error : undefined });
    waiting.delete(reply.id);
  });
  const call = async (method: string): Promise<unknown> => {
    const id = nextId++;
    const reply = new Promise<{ result?: unknown; error?: unknown }>((resolve) => waiting.set(id, resolve));
    await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params: {} }) });
    const { result, error } = await reply;
    if (error !== undefined) throw new Error(`${method} in the worker: ${JSON.stringify(error)}`);
    return result;
  };
  return {
    async usedAfterGc() {
      await call('HeapProfiler.collectGarbage');
      return heapOrThrow('worker', await call('Runtime.getHeapUsage'));
    },
  };
}
