import { SmtpTransport } from '../../src/adapters/transports/smtp/smtp-transport.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { describeTransportContract } from './transport-contract.js';

// Against a real SMTP server (the smtp-server package) on 127.0.0.1, port 0, over real sockets.
describeTransportContract('smtp', async () => {
  const server = await startSmtpServer({ rules: [{ match: /^refuse/, code: 550, message: '5.1.1 No such user' }] });
  return {
    transport: SmtpTransport.fromUrl(server.url({ max_connections: 4 })),
    delivered: async () => server.received.map((r) => ({ raw: r.raw, envelope: { from: r.from, to: r.to } })),
    refusedPrefix: 'refuse',
    openConnections: server.open,
    cleanup: server.stop,
  };
});

// The same contract with commands one by one (a relay without PIPELINING). STARTTLS runs the contract in
// transport.smtp-tls-auth.test.ts, beside the AUTH, TLS and pool checks the shared contract cannot express.
describeTransportContract('smtp (no PIPELINING)', async () => {
  const server = await startSmtpServer({ pipelining: false, rules: [{ match: /^refuse/, code: 550, message: '5.1.1 No such user' }] });
  return {
    transport: SmtpTransport.fromUrl(server.url({ max_connections: 3 })),
    delivered: async () => server.received.map((r) => ({ raw: r.raw, envelope: { from: r.from, to: r.to } })),
    refusedPrefix: 'refuse',
    openConnections: server.open,
    cleanup: server.stop,
  };
});
