// Which Chromium runs the tests and with which flags: WebGPU on SwiftShader in headless mode,
// and no background traffic to the (closed) network.

import { existsSync } from 'node:fs';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export function findChromium(): string {
  const found = CANDIDATES.find((p): p is string => typeof p === 'string' && existsSync(p));
  if (!found) {
    throw new Error(
      'No Chromium found. On Debian/Ubuntu: `sudo apt-get install -y chromium`; elsewhere install Chromium or ' +
        'Chrome and set CHROMIUM_PATH to its executable.',
    );
  }
  return found;
}

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
];

export function chromiumLaunchOptions(): { executablePath: string; args: string[] } {
  return { executablePath: findChromium(), args: CHROMIUM_ARGS };
}
