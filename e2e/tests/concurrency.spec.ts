// Several people logging in at the same moment must all get in.
//
// Guards the SQLite fix: write transactions start with BEGIN IMMEDIATE, so a
// read that turns into a write can no longer fail with SQLITE_BUSY_SNAPSHOT.
import { test, expect } from './fixtures';

test('同时登录的多个用户都能登录成功', async ({ playwright, baseURL }) => {
  const users = ['tz.office', 'tz.leader', 'sheng.office', 'yh.office', 'xj.hengxi', 'yh.chumen'];
  const contexts = await Promise.all(users.map(() => playwright.request.newContext({ baseURL })));
  try {
    const results = await Promise.all(
      users.map((username, i) =>
        contexts[i].post('/api/v1/session', { data: { username, password: 'Demo-2020-tz' } }),
      ),
    );
    const statuses = await Promise.all(results.map(async (r) => `${r.status()} ${r.status() === 200 ? '' : await r.text()}`));
    expect(statuses.filter((s) => !s.startsWith('200')), statuses.join('\n')).toEqual([]);
  } finally {
    await Promise.all(contexts.map((c) => c.dispose()));
  }
});
