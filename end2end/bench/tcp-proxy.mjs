// A TCP proxy on loopback that can go silent without closing anything: what a black-holed
// Redis primary looks like to its clients after a failover (scripts/load --soak).
//
//   node tcp-proxy.mjs LISTEN_PORT UPSTREAM_PORT
//   kill -USR1 <pid>   # black hole: nothing is forwarded any more, no connection is closed,
//                      # new ones are accepted and left hanging
//   kill -USR2 <pid>   # back: the hanging connections are dropped, new ones forwarded again
import net from "node:net";

const [listen, upstream] = process.argv.slice(2).map(Number);
if (!listen || !upstream) {
  console.error("usage: node tcp-proxy.mjs LISTEN_PORT UPSTREAM_PORT");
  process.exit(1);
}

let silent = false;
const open = new Set();

net
  .createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    if (silent) {
      // Accepted, never answered.
      client.pause();
      return;
    }
    const server = net.connect(upstream, "127.0.0.1");
    client.server = server;
    server.on("error", () => client.destroy());
    client.on("close", () => server.destroy());
    server.on("close", () => client.destroy());
    client.pipe(server);
    server.pipe(client);
  })
  .listen(listen, "127.0.0.1", () => console.log(`proxy 127.0.0.1:${listen} -> ${upstream}`));

process.on("SIGUSR1", () => {
  silent = true;
  for (const client of open) {
    client.unpipe();
    client.pause();
    client.server?.unpipe();
    client.server?.pause();
  }
  console.log("silent");
});

process.on("SIGUSR2", () => {
  silent = false;
  for (const client of open) client.destroy();
  console.log("forwarding");
});
