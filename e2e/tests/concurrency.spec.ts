// Several people logging in at the same moment must all get in.
//
// Known bug (SQLite): login and the once-a-minute session refresh read and then
// write inside a deferred transaction; when two of them overlap the second write
// fails with SQLITE_BUSY_SNAPSHOT ("(code: 517) database is locked") and the user
// sees 服务器内部错误 (HTTP 500). Skipped until that is fixed, so the suite stays
// deterministic; run it with MEIZHEN_E2E_CONCURRENCY=1.
import { test, expect } from './fixtures';

test('同时登录的多个用户都能登录成功', async ({ playwright, baseURL }) => {
  test.fixme(!process.env.MEIZHEN_E2E_CONCURRENCY, 'concurrent logins answer 500 on SQLite (SQLITE_BUSY_SNAPSHOT); set MEIZHEN_E2E_CONCURRENCY=1 to run');
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
