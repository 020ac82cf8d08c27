// Browser tests of the meizhen web UI.
//
// The browser is Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`);
// Playwright never downloads a browser of its own here. Override the path with
// MEIZHEN_CHROMIUM. The server binary is ../target/debug/meizhen (override with
// MEIZHEN_BIN); global-setup.ts seeds a fresh data folder and starts it.
import { defineConfig } from '@playwright/test';

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';

const chromium = process.env.MEIZHEN_CHROMIUM || '/usr/bin/chromium';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  fullyParallel: true,
  // One worker: parallel workers log in at the same moment, which trips a known
  // server bug on SQLite (see tests/concurrency.spec.ts). Raise with MEIZHEN_E2E_WORKERS.
  workers: Number(process.env.MEIZHEN_E2E_WORKERS || 1),
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list'], ['json', { outputFile: 'playwright-report/results.json' }]],
  use: {
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      // The machine has no network beyond loopback: nothing in the browser may phone home.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    {
      name: 'chromium',
      use: { browserName: 'chromium' },
    },
  ],
});
