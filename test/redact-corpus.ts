// Hand-written redaction corpus: per type, positives (input -> expected redaction) and negatives (text that
// must come out unchanged with every type on). Test card numbers are the card networks' public test numbers.
import type { PiiType } from '../src/redact/index.js';

export interface Positive {
  input: string;
  redacted: string;
}

const whole = (type: PiiType, inputs: string[]): Positive[] => inputs.map((input) => ({ input, redacted: `[${type.toUpperCase()}]` }));

export const POSITIVES: Record<PiiType, Positive[]> = {
  email: whole('email', [
    'alice@example.com', 'bob.smith@mail.example.org', 'first.last+tag@sub.domain.co.uk', 'x_y-z@example-domain.io', 'USER@EXAMPLE.COM',
    'a1@b2.de', 'support@insitu.dev', 'jane%work@corp.example.net', 'john.doe123@gmail.com', 'hr-team@company.travel', 'li.wei@example.cn',
    'm@x.ai', 'test.email+alias@example.museum', 'n.o.p@q-r.s-t.com', 'sales@shop.example.fr', 'info@example.co.jp',
  ]),
  phone: whole('phone', [
    '+1 (555) 123-4567', '+1-555-123-4567', '+15551234567', '(555) 123-4567', '555-123-4567', '555.123.4567', '1-800-555-0199', '+44 20 7946 0958',
    '+44 (0)20 7946 0958', '+49 30 12345678', '+33 1 23 45 67 89', '+86 138 0013 8000', '020 7946 0958', '07911 123456', '01 23 45 67 89',
    '030/12345678', '0044 20 7946 0958', '+91 98765 43210', '06-12345678', '(+44) 20 7946 0958', '(+1) 555-123-4567',
  ]),
  card: whole('card', [
    '4111 1111 1111 1111', '4111-1111-1111-1111', '4111111111111111', '5555 5555 5555 4444', '5105105105105100', '378282246310005', '3782 822463 10005',
    '6011 1111 1111 1117', '6011000990139424', '3530111333300000', '30569309025904', '3056 930902 5904', '4012888888881881', '2223003122003222',
    '4222222222222', '6200000000000005', '4111.1111.1111.1111', '5555-5555-5555-4444',
  ]),
  ip: [
    ...whole('ip', [
      '192.168.1.1', '10.0.0.1', '8.8.8.8', '255.255.255.255', '0.0.0.0', '172.16.254.1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      '2001:db8:85a3::8a2e:370:7334', '2001:db8::1', '::1', 'fe80::1ff:fe23:4567:890a', '::ffff:192.0.2.128', '2606:4700:4700::1111', 'FE80::0202:B3FF:FE1E:8329',
    ]),
    { input: '127.0.0.1:8080', redacted: '[IP]:8080' },
    { input: '10.1.2.3/24', redacted: '[IP]/24' },
    { input: '[2001:db8::1]:443', redacted: '[[IP]]:443' },
    { input: 'http://192.168.0.1/admin', redacted: 'http://[IP]/admin' },
  ],
  secret: [
    ...whole('secret', [
      'sk-proj-abc123DEF456ghi789JKLmno', 'sk-abc123def456ghi789jkl012', 'isk_live_9f8e7d6c5b4a39281706', 'AKIAIOSFODNN7EXAMPLE',
      'ghp_aBcDeF0123456789aBcDeF0123456789aBcD', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'xoxb-1234567890-0987654321-abcdefghijklmn',
      'AIzaSyA1234567890abcdefghijklmnopqrstuv', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567', 'glpat-xYz12AbCdEfGhIjKlMnO', 'npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
      'xoxp-1234567890-abcdefghij', 'xapp-1-A0123456789-1234567890-abcdef', 'rk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      'sk-ant-api03-AbCdEf0123456789GhIjKl', 'ASIAY34FZKBOKMUTVV7A',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA75xR0n3+Q8\nabc4==\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----',
      '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0Ab1cBCAC\n-----END PGP PRIVATE KEY BLOCK-----',
    ]),
    // A private key cut off before its END line is redacted to the end of the text.
    { input: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nAbc+/9==', redacted: '[SECRET]' },
    // Credentials in a URL: the userinfo goes, scheme, host, port and path stay.
    { input: 'https://alice:hunter2@example.com/x', redacted: 'https://[SECRET]@example.com/x' },
    { input: 'postgres://app:s3cr%40t@db.internal:5432/app', redacted: 'postgres://[SECRET]@db.internal:5432/app' },
    { input: 'git clone https://oauth2:glpat-xYz12AbCdEfGhIjKlMnO@gitlab.com/g/p.git', redacted: 'git clone https://[SECRET]@gitlab.com/g/p.git' },
    { input: 'redis://:Zx8Kq2Lm9Pw4@cache.internal:6379', redacted: 'redis://[SECRET]@cache.internal:6379' },
    { input: 'HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567', redacted: 'HF_TOKEN=[SECRET]' },
    { input: 'Authorization: Bearer abc123def456ghi789', redacted: 'Authorization: Bearer [SECRET]' },
    { input: 'api_key=9f8e7d6c5b4a3928abcd', redacted: 'api_key=[SECRET]' },
    { input: '"password": "hunter22"', redacted: '"password": "[SECRET]"' },
    { input: 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', redacted: 'AWS_SECRET_ACCESS_KEY=[SECRET]' },
    { input: 'token: 7c9e6679742540de944be07fc1f90ae7', redacted: 'token: [SECRET]' },
    { input: 'client_secret=Zx8Kq2Lm9Pw4Rt6Yv1Bn', redacted: 'client_secret=[SECRET]' },
    { input: 'PASSWORD=correct-horse-battery', redacted: 'PASSWORD=[SECRET]' },
  ],
};

/** Unchanged with every type on. */
export const NEGATIVES: Record<PiiType, string[]> = {
  email: [
    'icon@2x.png', 'follow @mention on the forum', 'foo@', 'ssh user@localhost', 'price @ $5 each', 'npm i lodash@4.17.21', 'npm i -D @types/node',
    'a@b', 'alice at example dot com', 'name@domain', 'retina logo@3x.jpg', 'the @Component decorator', '2 @ 3 = 6', 'npm i react@18.2.0', 'x@y.z',
  ],
  phone: [
    'on 2024-01-15', 'on 15.01.2024', 'on 01/15/2024', 'at 10:30', 'at 10:30:45', 'version 1.2.3', 'v2.10.4', 'id 12345678901', 'order #555-123-4567',
    'ORD-2024-000123', 'invoice 2024-0001', '1,234,567 users', 'pi is 3.14159265', 'score 12-10', 'pages 100-200', 'ISBN 978-3-16-148410-0',
    'the years 1999 2000 2001', 'ticket 123 456 789', 'codes 1234 5678',
  ],
  card: [
    '4111 1111 1111 1112', '4111111111111112', '1234 5678 9012 3456', '0000 0000 0000 0000', '411111111111', '41111111111111111111', '9111111111111111',
    '4111 11111 1111 111', '4111-1111-1111-1112', 'ref 5105105105105101', '3782 822463 10006', 'tx 6011000990139425', 'ts 1700000000000', '12345678901234567',
    '7777 7777 7777 7777', '4111.1111.1111.1112', 'build 4111.1111.1111.1111.5',
  ],
  ip: [
    '256.1.1.1', 'version 1.2.3', '1.2.3.4.5', '192.168.01.1', 'at 10:30', 'at 10:30:45', '12:30:00 PM', 'mac 00:1A:2B:3C:4D:5E', 'std::vector<int>',
    'Foo::bar()', 'a::b', 'v1.2.3.4', 'build 10.0.19041.1', 'pi 3.14', 'ratio 16:9', '1.2.3.4.5.6',
  ],
  secret: [
    'sk-learn is a library', 'the task-manager-module-for-everything', 'max_tokens=1000', 'password: string', 'token count: 42', 'my key point is simple',
    'Bearer tokens are described in RFC 6750', "secret = 'changeme'", 'eyJhbGciOi', 'keyboard=us', 'primary_key: id', 'AKIA', 'ghp_short', 'xoxb-123',
    'password=<your password>', 'api_key=${OPENAI_API_KEY}', 'token: YOUR_TOKEN_HERE', 'eyJhbGxxxx.abc.def', 'sk-this-is-not-a-real-key-at-all',
    // Identifiers that share a key's prefix: a key's body is random (letters and digits, no '_'), these are words.
    'from huggingface_hub import hf_hub_download', 'hf_transfer is enabled', 'npm_config_cache=/tmp/npm', 'echo $npm_package_version',
    'glpat-short', 'xoxo-hugs-and-kisses', 'xoxb-hugs-and-kisses', 'the -----BEGIN PUBLIC KEY----- block', 'see https://example.com/a:b@c', 'http://localhost:8080/path',
    // Hashes and ids: hex digits alone are not secrets (a value after key=/token= still is, see the positives).
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8', 'request 550e8400-e29b-41d4-a716-446655440000',
    'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'md5 5d41402abc4b2a76b9719d911017c592',
  ],
};

/** PII next to Chinese, Japanese, Russian and Arabic text, without spaces. */
export const MULTILINGUAL: Positive[] = [
  { input: '请发邮件到alice@example.com或致电+86 138 0013 8000谢谢', redacted: '请发邮件到[EMAIL]或致电[PHONE]谢谢' },
  { input: '请联系我：bob@example.cn，电话：(555) 123-4567。', redacted: '请联系我：[EMAIL]，电话：[PHONE]。' },
  { input: '服务器地址是192.168.1.10，密钥sk-proj-abc123DEF456ghi789JKLmno。', redacted: '服务器地址是[IP]，密钥[SECRET]。' },
  { input: '卡号4111 1111 1111 1111已过期', redacted: '卡号[CARD]已过期' },
  { input: 'メールはtaro@example.co.jpです', redacted: 'メールは[EMAIL]です' },
  { input: 'Позвоните +7 495 123-45-67, пожалуйста', redacted: 'Позвоните [PHONE], пожалуйста' },
  { input: 'راسلني على user@example.com شكرا', redacted: 'راسلني على [EMAIL] شكرا' },
];
