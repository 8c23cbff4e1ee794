// Hadoop's configuration as Flink finds it (HADOOP_HOME, HADOOP_CONF_DIR, flink.hadoop.*), and which NameNodes
// an hdfs:// authority names, as Hadoop's client resolves them.
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { checkAuthentication, hadoopUser, loadHadoopConfiguration, nameNodesOf } from '../../../src/config/hadoop.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { hdfsSettings, storageSettings } from '../../../src/config/storage.js';
import { ConfigError } from '../../../src/domain/errors.js';

function siteDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hadoop-conf-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const site = (properties: Array<[string, string, boolean?]>) =>
  `<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>\n<!-- a comment -->\n<configuration>\n${properties
    .map(([n, v, final]) => `  <property>\n    <name>${n}</name>\n    <value>${v}</value>${final ? '\n    <final>true</final>' : ''}\n  </property>\n`)
    .join('')}</configuration>\n`;

const conf = (properties: Array<[string, string]>) => loadHadoopConfiguration({ HADOOP_CONF_DIR: siteDir({ 'hdfs-site.xml': site(properties) }) });

describe('loading Hadoop configuration', () => {
  it('HADOOP_HOME/conf, HADOOP_HOME/etc/hadoop, then HADOOP_CONF_DIR; core-site then hdfs-site; a final value stays; flink.hadoop.* last', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'hadoop-home-'));
    mkdirSync(path.join(home, 'etc', 'hadoop'), { recursive: true });
    writeFileSync(
      path.join(home, 'etc', 'hadoop', 'core-site.xml'),
      site([
        ['fs.defaultFS', 'hdfs://from-home:8020'],
        ['a.final', 'kept', true],
        ['only.home', 'home'],
      ]),
    );
    const confDir = siteDir({
      'core-site.xml': site([
        ['fs.defaultFS', 'hdfs://from-conf-dir:8020'],
        ['a.final', 'overridden?'],
      ]),
      'hdfs-site.xml': site([['dfs.nameservices', ' ns1 , ns2 ']]),
    });
    const c = loadHadoopConfiguration({ HADOOP_HOME: home, HADOOP_CONF_DIR: confDir }, [
      { key: 'dfs.nameservices', value: 'ns3', from: 'flink.hadoop.dfs.nameservices (-D)' },
    ]);
    expect(c.get('fs.defaultFS')).toBe('hdfs://from-conf-dir:8020');
    expect(c.from('fs.defaultFS')).toBe(path.join(confDir, 'core-site.xml'));
    expect(c.get('a.final')).toBe('kept');
    expect(c.get('only.home')).toBe('home');
    expect(c.list('dfs.nameservices')).toEqual(['ns3']);
    expect(c.from('dfs.nameservices')).toBe('flink.hadoop.dfs.nameservices (-D)');
    expect(c.files).toEqual([path.join(home, 'etc', 'hadoop', 'core-site.xml'), path.join(confDir, 'core-site.xml'), path.join(confDir, 'hdfs-site.xml')]);
  });

  it('expands ${key}, ${env.NAME} and ${user.name}; entities and CDATA are text; unknown variables stay as written', () => {
    const dir = siteDir({
      'core-site.xml':
        '<configuration><property><name>nn.host</name><value>nn1.example</value></property>' +
        '<property><name>dfs.namenode.http-address</name><value>${nn.host}:9870</value></property>' +
        '<property><name>from.env</name><value>${env.RACK}-${user.name}</value></property>' +
        '<property><name>amp</name><value>a&amp;b</value></property>' +
        '<property><name>cdata</name><value><![CDATA[<x>]]></value></property>' +
        '<property><name>unknown</name><value>${no.such.key}</value></property></configuration>',
    });
    const c = loadHadoopConfiguration({ HADOOP_CONF_DIR: dir, RACK: 'r7' });
    expect(c.get('dfs.namenode.http-address')).toBe('nn1.example:9870');
    expect(c.get('from.env')).toBe(`r7-${userInfo().username}`);
    expect(c.get('amp')).toBe('a&b');
    expect(c.get('cdata')).toBe('<x>');
    expect(c.get('unknown')).toBe('${no.such.key}');
  });

  it('a site file that is not XML is a configuration error naming the file', () => {
    const dir = siteDir({ 'core-site.xml': '<configuration><property><name>x</name>' });
    expect(() => loadHadoopConfiguration({ HADOOP_CONF_DIR: dir })).toThrow(ConfigError);
    expect(() => loadHadoopConfiguration({ HADOOP_CONF_DIR: dir })).toThrow(`Cannot read Hadoop configuration ${path.join(dir, 'core-site.xml')}: `);
  });

  it('no HADOOP_CONF_DIR: nothing read, and hdfs://host:port still works by the default HTTP port', () => {
    const c = loadHadoopConfiguration({});
    expect(c.files).toEqual([]);
    expect(nameNodesOf(c, 'hdfs', 'nn.example:8020', 'hdfs://nn.example:8020/x')).toEqual({ urls: ['http://nn.example:9870'] });
  });
});

describe('the NameNodes of an authority', () => {
  const ha = conf([
    ['dfs.nameservices', 'prod,other'],
    ['dfs.ha.namenodes.prod', 'nn1, nn2'],
    ['dfs.namenode.rpc-address.prod.nn1', 'a.example:8020'],
    ['dfs.namenode.rpc-address.prod.nn2', 'b.example:8020'],
    ['dfs.namenode.http-address.prod.nn1', 'a.example:9870'],
    ['dfs.namenode.http-address.prod.nn2', 'b.example:9870'],
    ['dfs.namenode.http-address.other', 'c.example:50070'],
  ]);

  it('an HA name service: every NameNode of dfs.ha.namenodes.<ns>, in order, at dfs.namenode.http-address.<ns>.<nn>', () => {
    expect(nameNodesOf(ha, 'hdfs', 'prod', 'hdfs://prod/x')).toEqual({ urls: ['http://a.example:9870', 'http://b.example:9870'], nameservice: 'prod' });
    expect(nameNodesOf(ha, 'webhdfs', 'prod', 'webhdfs://prod/x').urls).toHaveLength(2);
  });

  it('a name service without HA: dfs.namenode.http-address.<ns>', () => {
    expect(nameNodesOf(ha, 'hdfs', 'other', 'hdfs://other/x')).toEqual({ urls: ['http://c.example:50070'], nameservice: 'other' });
  });

  it('one NameNode by its RPC address: the HTTP address configured for it (default RPC port 8020)', () => {
    expect(nameNodesOf(ha, 'hdfs', 'b.example:8020', 'hdfs://b.example:8020/x').urls).toEqual(['http://b.example:9870']);
    expect(nameNodesOf(ha, 'hdfs', 'b.example', 'hdfs://b.example/x').urls).toEqual(['http://b.example:9870']);
  });

  it('dfs.namenode.http-address for its host or a wildcard; another host gets the default HTTP port', () => {
    const single = conf([
      ['dfs.namenode.rpc-address', 'nn.example:9000'],
      ['dfs.namenode.http-address', '0.0.0.0:50070'],
    ]);
    expect(nameNodesOf(single, 'hdfs', 'nn.example:9000', 'hdfs://nn.example:9000/x').urls).toEqual(['http://nn.example:50070']);
    expect(nameNodesOf(single, 'hdfs', 'other.example:9000', 'hdfs://other.example:9000/x').urls).toEqual(['http://other.example:50070']); // wildcard
    const named = conf([['dfs.namenode.http-address', 'nn.example:50070']]);
    expect(nameNodesOf(named, 'hdfs', 'nn.example:8020', 'hdfs://nn.example:8020/x').urls).toEqual(['http://nn.example:50070']);
    expect(nameNodesOf(named, 'hdfs', 'elsewhere:8020', 'hdfs://elsewhere:8020/x').urls).toEqual(['http://elsewhere:9870']);
  });

  it('webhdfs://host:port is that HTTP address', () => {
    expect(nameNodesOf(ha, 'webhdfs', 'a.example:14000', 'webhdfs://a.example:14000/x').urls).toEqual(['http://a.example:14000']);
    expect(nameNodesOf(ha, 'webhdfs', 'a.example', 'webhdfs://a.example/x').urls).toEqual(['http://a.example:9870']);
  });

  it("hdfs:///path is fs.defaultFS's NameNode; without an hdfs:// fs.defaultFS it is a configuration error saying what to set", () => {
    const withDefault = loadHadoopConfiguration({
      HADOOP_CONF_DIR: siteDir({
        'core-site.xml': site([['fs.defaultFS', 'hdfs://prod']]),
        'hdfs-site.xml': site([
          ['dfs.nameservices', 'prod'],
          ['dfs.namenode.http-address.prod', 'p.example:9870'],
        ]),
      }),
    });
    expect(nameNodesOf(withDefault, 'hdfs', '', 'hdfs:///x')).toEqual({ urls: ['http://p.example:9870'], nameservice: 'prod' });
    expect(() => nameNodesOf(ha, 'hdfs', '', 'hdfs:///x')).toThrow(
      'hdfs:///x names no NameNode and fs.defaultFS is no hdfs:// URI (it is not set); set it in core-site.xml in HADOOP_CONF_DIR, or give hdfs://<namenode>:<port>/...',
    );
  });

  it('a name service NameNode without an HTTP address is a configuration error naming the key and the files read', () => {
    const broken = conf([
      ['dfs.nameservices', 'prod'],
      ['dfs.ha.namenodes.prod', 'nn1,nn2'],
      ['dfs.namenode.http-address.prod.nn1', 'a.example:9870'],
    ]);
    const error = (() => {
      try {
        return nameNodesOf(broken, 'hdfs', 'prod', 'hdfs://prod/x');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^hdfs:\/\/prod\/x: name service 'prod' has no dfs\.namenode\.http-address\.prod\.nn2 \(the NameNode's HTTP address, for WebHDFS\) in \/.*\/hdfs-site\.xml$/,
    );
  });

  it('WebHDFS over HTTPS only is refused by name, not tried over HTTP', () => {
    expect(() => nameNodesOf(conf([['dfs.http.policy', 'HTTPS_ONLY']]), 'hdfs', 'nn:8020', 'hdfs://nn:8020/x')).toThrow(
      /^hdfs:\/\/nn:8020\/x: the cluster serves WebHDFS over HTTPS only \(dfs\.http\.policy: HTTPS_ONLY, .*hdfs-site\.xml\), which is not supported yet$/,
    );
  });
});

describe('authentication and user', () => {
  it('Kerberos is one line saying so, naming the key and where it is set; simple (the default) passes', () => {
    const kerberos = conf([['hadoop.security.authentication', 'kerberos']]);
    expect(() => checkAuthentication(kerberos, 'hdfs://prod/flink')).toThrow(ConfigError);
    expect(() => checkAuthentication(kerberos, 'hdfs://prod/flink')).toThrow(
      /^hdfs:\/\/prod\/flink: the cluster uses kerberos authentication \(hadoop\.security\.authentication: kerberos, \/.*\/hdfs-site\.xml\), which is not supported yet; only simple authentication \(HADOOP_USER_NAME\) is$/,
    );
    expect(() => checkAuthentication(conf([['hadoop.security.authentication', 'simple']]), 'hdfs://x/')).not.toThrow();
    expect(() => checkAuthentication(conf([]), 'hdfs://x/')).not.toThrow();
  });

  it('HADOOP_USER_NAME, else the login name', () => {
    expect(hadoopUser({ HADOOP_USER_NAME: 'flink' })).toBe('flink');
    expect(hadoopUser({})).toBe(userInfo().username);
  });
});

describe('HDFS settings', () => {
  it("take the Hadoop variables of the environment only, and Flink's flink.hadoop.* keys, whose values never print", () => {
    const config = resolveConfig({
      loaded: { source: 'none', files: [], entries: [], warnings: [] },
      dynamic: ['flink.hadoop.dfs.nameservices=prod', 'flink.hadoop.fs.s3a.secret.key=very-secret', 'state.checkpoints.num-retained=3'],
    });
    const settings = storageSettings(config, { HADOOP_CONF_DIR: '/etc/hadoop/conf', HADOOP_USER_NAME: 'flink', AWS_SECRET_ACCESS_KEY: 'nope' });
    expect(settings.hdfs!.env).toEqual({ HADOOP_HOME: undefined, HADOOP_CONF_DIR: '/etc/hadoop/conf', HADOOP_USER_NAME: 'flink' });
    expect(settings.hdfs!.overrides.map((o) => [o.key, o.value.reveal(), o.value.from])).toEqual([
      ['dfs.nameservices', 'prod', 'flink.hadoop.dfs.nameservices (-D)'],
      ['fs.s3a.secret.key', 'very-secret', 'flink.hadoop.fs.s3a.secret.key (-D)'],
    ]);
    for (const text of [JSON.stringify(settings), inspect(settings, { depth: 10 })]) {
      expect(text).not.toContain('very-secret');
      expect(text).not.toContain('nope');
    }
    expect(hdfsSettings({}).overrides).toEqual([]);
  });
});
