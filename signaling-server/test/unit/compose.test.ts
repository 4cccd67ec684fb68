import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_ENV_NAMES, loadConfig } from '../../src/config.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test: string[] | string; interval?: string };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  command?: string[];
  network_mode?: string;
}

interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const { services } = compose;
const replicas = ['signaling-1', 'signaling-2'];

/** Compose interpolation (`$$` is a literal `$`) with the values an operator puts in .env. */
function interpolate(value: string, env: Record<string, string>): string {
  const pattern = /\$\$|\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g;
  return value.replace(pattern, (match, name?: string, op?: string, arg?: string) => {
    if (match === '$$' || name === undefined) return '$';
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (op === '?') throw new Error(`required: ${name} (${arg ?? ''})`);
    return op === '-' ? (arg ?? '') : '';
  });
}

const dotEnv = {
  ADMIN_TOKEN: 'a-long-enough-admin-token',
  TURN_SECRET: 'a-long-enough-turn-secret',
};

function environmentOf(name: string, env: Record<string, string>): Record<string, string> {
  const raw = services[name]?.environment ?? {};
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, interpolate(String(v ?? ''), env)]),
  );
}

describe('docker-compose.yml', () => {
  it('runs two replicas behind a load balancer, with redis and coturn', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['coturn', 'lb', 'redis', 'signaling-1', 'signaling-2'].sort(),
    );
    for (const name of replicas) {
      expect(services[name]?.build?.dockerfile).toBe('signaling-server/Dockerfile');
      expect(existsSync(`${root}${services[name]?.build?.dockerfile ?? ''}`)).toBe(true);
      expect(services[name]?.ports).toBeUndefined(); // reached through the load balancer only
      expect(services[name]?.depends_on?.redis?.condition).toBe('service_healthy');
    }
    expect(services.lb?.ports).toEqual(['${MESHCAST_PORT:-8080}:80']);
    for (const name of replicas) {
      expect(services.lb?.depends_on?.[name]?.condition).toBe('service_healthy');
    }
  });

  it('gives every service a health check; the replicas ask /api/health on their port', () => {
    for (const [name, service] of Object.entries(services)) {
      const test = service.healthcheck?.test;
      expect(Array.isArray(test) && test[0] === 'CMD', `${name} health check`).toBe(true);
    }
    for (const name of replicas) {
      const port = environmentOf(name, dotEnv).PORT;
      expect(services[name]?.healthcheck?.test.at(-1)).toContain(
        `http://127.0.0.1:${port}/api/health`,
      );
    }
    expect(services.lb?.healthcheck?.test).toContain('http://127.0.0.1/api/health');
  });

  it('names only variables the server reads, with values its config accepts', () => {
    for (const name of replicas) {
      const env = environmentOf(name, dotEnv);
      for (const key of Object.keys(env)) expect(CONFIG_ENV_NAMES).toContain(key);
      const config = loadConfig(env);
      expect(config).toMatchObject({
        host: '0.0.0.0',
        port: 8080,
        redisUrl: 'redis://redis:6379',
        trustProxy: true,
        turnSecret: dotEnv.TURN_SECRET,
        adminToken: dotEnv.ADMIN_TOKEN,
      });
      expect(config.turnUrls).toEqual([
        'turn:localhost:3478?transport=udp',
        'turn:localhost:3478?transport=tcp',
      ]);
      // Secrets have no default: compose refuses to start without them.
      expect(() => environmentOf(name, { TURN_SECRET: dotEnv.TURN_SECRET })).toThrow(/ADMIN_TOKEN/);
      expect(() => environmentOf(name, { ADMIN_TOKEN: dotEnv.ADMIN_TOKEN })).toThrow(/TURN_SECRET/);
    }
    expect(environmentOf('signaling-1', dotEnv)).toEqual(environmentOf('signaling-2', dotEnv));
  });

  it('runs coturn with use-auth-secret and the servers’ TURN_SECRET', () => {
    const coturn = services.coturn;
    const args = (coturn?.command ?? []).map((a) => interpolate(a, dotEnv));
    expect(args).toContain('--use-auth-secret');
    expect(args).toContain('--static-auth-secret=${TURN_SECRET}'); // expanded in the container
    expect(environmentOf('coturn', dotEnv).TURN_SECRET).toBe(
      environmentOf('signaling-1', dotEnv).TURN_SECRET,
    );
    expect(args).toContain('--listening-port=3478');
    expect(coturn?.network_mode).toBe('host');
  });

  it('declares every named volume it mounts; redis and the replicas keep data', () => {
    const named = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => v.split(':')[0] ?? '')
      .filter((v) => !v.startsWith('.'));
    for (const v of named) expect(Object.keys(compose.volumes)).toContain(v);
    expect(services.redis?.volumes).toEqual(['redis-data:/data']);
    for (const name of replicas) {
      expect(services[name]?.volumes?.[0]).toMatch(/:\/data$/);
      expect(environmentOf(name, dotEnv).DATA_DIR).toBe('/data');
    }
  });
});

describe('deploy/nginx.conf', () => {
  const mount = services.lb?.volumes?.find((v) => v.endsWith(':/etc/nginx/nginx.conf:ro'));
  const conf = read((mount ?? '').split(':')[0]?.replace(/^\.\//, '') ?? '');
  const upstream = /upstream\s+meshcast\s*\{([^}]*)\}/.exec(conf)?.[1] ?? '';

  it('balances over both replicas on their port, sticky by client address', () => {
    const servers = [...upstream.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
    const port = environmentOf('signaling-1', dotEnv).PORT;
    expect(servers.sort()).toEqual(replicas.map((r) => `${r}:${port}`));
    expect(upstream).toMatch(/^\s*hash \$remote_addr consistent;/m);
    expect(conf.match(/proxy_pass http:\/\/meshcast;/g)).toHaveLength(2);
  });

  it('upgrades socket.io to WebSocket and sets the headers the servers trust', () => {
    const socketIo = /location \/socket\.io\/ \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(socketIo).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(socketIo).toContain('proxy_set_header Connection $connection_upgrade;');
    const header = loadConfig(environmentOf('signaling-1', dotEnv)).localityHeader;
    for (const block of conf.split(/location /).slice(1)) {
      expect(block.toLowerCase()).toContain(`proxy_set_header ${header} $meshcast_region;`);
      expect(block).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    }
    expect(conf).toMatch(/geo \$meshcast_region \{\s*default '';/);
  });
});
