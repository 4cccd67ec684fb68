import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER_V8_FLAGS } from '../../src/process-settings.js';

const entry = new URL('../../src/index.ts', import.meta.url).pathname;

describe('server process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshcast-process-'));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts from the environment, logs JSON, and exits 0 on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    };
    delete env.ADMIN_TOKEN;
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      env: { ...env, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout });
    interface Listening {
      msg: string;
      port: number;
      url: string;
      v8Flags: string[];
    }
    const listening = await new Promise<Listening>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      lines.on('line', (line) => {
        stdout += `${line}\n`;
        const entry = JSON.parse(line) as Listening;
        if (entry.msg === 'meshcast listening') resolve(entry);
      });
    });
    expect(listening.port).toBeGreaterThan(0);
    // The entry point sets the V8 flags the server ships with.
    expect(listening.v8Flags).toEqual([...SERVER_V8_FLAGS]);
    const health = await fetch(`${listening.url}/api/health`);
    expect(health.status).toBe(200);

    // Without ADMIN_TOKEN a token is made and printed once on stderr, never logged.
    const printed = [
      ...stderr.matchAll(/admin token for this run \(ADMIN_TOKEN is unset\): (\S+)/g),
    ];
    expect(printed).toHaveLength(1);
    const token = printed[0]![1]!;
    expect(stdout).not.toContain(token);
    const refused = await fetch(`${listening.url}/api/channels/demo`, { method: 'DELETE' });
    expect(refused.status).toBe(401);
    const deleted = await fetch(`${listening.url}/api/channels/demo`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deleted.status).toBe(204);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad configuration with a message naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      env: { ...process.env, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('PORT');
  });
});
