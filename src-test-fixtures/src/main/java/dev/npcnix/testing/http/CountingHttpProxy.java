package dev.npcnix.testing.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plain-HTTP/1.1 TCP proxy on 127.0.0.1 in front of one server, forwarding bytes unchanged while
 * it reads the message framing, so tests can assert what went over the wire: how many requests,
 * how many response body bytes ("one request and no body per unchanged poll"). Because bytes are
 * not altered, signed requests (AWS SigV4 signs the Host header) stay valid when the client
 * addresses the proxy. It can also cut a response body short, to test truncated downloads.
 */
public final class CountingHttpProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final TrafficCounter traffic = new TrafficCounter();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong truncateNextBodyAfter = new AtomicLong(-1);
    private final ExecutorService threads;
    private volatile boolean closed;
    private volatile boolean down;

    private CountingHttpProxy(ServerSocket listener, String targetHost, int targetPort) {
        this.listener = listener;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "counting-proxy-" + listener.getLocalPort() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts a proxy on a free port of 127.0.0.1 forwarding to {@code targetHost:targetPort}. */
    public static CountingHttpProxy start(String targetHost, int targetPort) throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CountingHttpProxy proxy = new CountingHttpProxy(listener, targetHost, targetPort);
        proxy.threads.execute(proxy::acceptLoop);
        return proxy;
    }

    /** {@code http://127.0.0.1:PORT}, the address clients should use. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Requests and response body bytes since start or the last {@link #resetTraffic()}. */
    public Traffic traffic() {
        return traffic.snapshot();
    }

    public void resetTraffic() {
        traffic.reset();
    }

    /**
     * The next response that has a body is cut after {@code keepBytes} body bytes and its connection
     * closed, as a server or network failing mid-transfer would.
     */
    public void truncateNextResponseBody(long keepBytes) {
        truncateNextBodyAfter.set(keepBytes);
    }

    /**
     * While down, every connection is reset as soon as it is accepted and open ones are cut, as a store
     * that went away would behave; {@code false} brings it back on the same address.
     */
    public void setDown(boolean isDown) {
        down = isDown;
        if (isDown) {
            sockets.forEach(HttpWire::closeQuietly);
            sockets.clear();
        }
    }

    @Override
    public void close() {
        closed = true;
        HttpWire.closeQuietly(listener);
        sockets.forEach(HttpWire::closeQuietly);
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            threads.execute(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        if (down) {
            try {
                client.setSoLinger(true, 0); // RST, not a polite FIN
            } catch (IOException ignored) {
                // closing is all that matters
            }
            HttpWire.closeQuietly(client);
            return;
        }
        Socket upstream;
        try {
            upstream = new Socket(targetHost, targetPort);
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
        } catch (IOException e) {
            HttpWire.closeQuietly(client);
            return;
        }
        sockets.add(client);
        sockets.add(upstream);
        BlockingQueue<String> methods = new LinkedBlockingQueue<>();
        threads.execute(() -> pipe(() -> forwardRequests(client, upstream, methods), client, upstream));
        threads.execute(() -> pipe(() -> forwardResponses(upstream, client, methods), client, upstream));
    }

    private interface Forwarding {
        void run() throws IOException, InterruptedException;
    }

    private void pipe(Forwarding forwarding, Socket a, Socket b) {
        try {
            forwarding.run();
        } catch (IOException | InterruptedException | RuntimeException e) {
            // Either side went away or we cut the connection on purpose: close both below.
        } finally {
            HttpWire.closeQuietly(a);
            HttpWire.closeQuietly(b);
            sockets.remove(a);
            sockets.remove(b);
        }
    }

    private void forwardRequests(Socket client, Socket upstream, BlockingQueue<String> methods) throws IOException {
        InputStream in = new BufferedInputStream(client.getInputStream());
        OutputStream out = upstream.getOutputStream();
        while (true) {
            byte[] raw = HttpWire.readHead(in);
            if (raw == null) {
                return;
            }
            HttpWire.Head head = HttpWire.Head.parse(raw);
            String[] requestLine = head.firstLine().split(" ", 3);
            String method = requestLine[0];
            traffic.request(method, requestLine.length > 1 ? requestLine[1] : "");
            methods.add(method);
            out.write(raw);
            out.flush();
            copyBody(in, out, head, false, -1, n -> { });
        }
    }

    private void forwardResponses(Socket upstream, Socket client, BlockingQueue<String> methods)
            throws IOException, InterruptedException {
        InputStream in = new BufferedInputStream(upstream.getInputStream());
        OutputStream out = client.getOutputStream();
        while (true) {
            byte[] raw = HttpWire.readHead(in);
            if (raw == null) {
                return;
            }
            HttpWire.Head head = HttpWire.Head.parse(raw);
            int status = Integer.parseInt(head.firstLine().split(" ", 3)[1]);
            if (status >= 100 && status < 200) {
                out.write(raw); // interim (100 Continue): the final response follows
                out.flush();
                continue;
            }
            String method = methods.poll(30, TimeUnit.SECONDS);
            boolean bodyless = "HEAD".equals(method) || status == 204 || status == 304
                    || "0".equals(head.headers().get("content-length"));
            // Take the fault before the client can see this response: a test arming it after a call
            // returns must not have it consumed by the tail of that call's response.
            long limit = bodyless ? -1 : truncateNextBodyAfter.getAndSet(-1);
            out.write(raw);
            out.flush();
            if (bodyless) {
                continue;
            }
            if (!copyBody(in, out, head, true, limit, traffic::responseBody)) {
                throw new IOException("truncated on purpose");
            }
        }
    }

    private interface Tally {
        void add(long bytes);
    }

    /** Copies one message body; false when it stopped after {@code limit} bytes ({@code limit >= 0}). */
    private static boolean copyBody(InputStream in, OutputStream out, HttpWire.Head head, boolean response, long limit, Tally tally)
            throws IOException {
        long[] budget = {limit < 0 ? Long.MAX_VALUE : limit};
        String te = head.headers().getOrDefault("transfer-encoding", "");
        String cl = head.headers().get("content-length");
        if (te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                byte[] sizeLine = HttpWire.readLine(in);
                if (sizeLine == null) {
                    throw new IOException("EOF in chunked body");
                }
                if (!write(out, sizeLine, tally, budget)) {
                    return false;
                }
                String hex = new String(sizeLine, StandardCharsets.US_ASCII).strip();
                int semi = hex.indexOf(';');
                long size = Long.parseLong(semi < 0 ? hex : hex.substring(0, semi), 16);
                if (size == 0) {
                    while (true) { // trailers, then an empty line
                        byte[] line = HttpWire.readLine(in);
                        if (line == null) {
                            throw new IOException("EOF in chunk trailer");
                        }
                        if (!write(out, line, tally, budget)) {
                            return false;
                        }
                        if (line.length <= 2) {
                            out.flush();
                            return true;
                        }
                    }
                }
                if (!copy(in, out, size + 2, tally, budget)) {
                    return false;
                }
            }
        } else if (cl != null) {
            boolean complete = copy(in, out, Long.parseLong(cl.strip()), tally, budget);
            out.flush();
            return complete;
        } else if (response) {
            boolean complete = copy(in, out, Long.MAX_VALUE, tally, budget); // delimited by the connection closing
            out.flush();
            return complete;
        }
        return true;
    }

    private static boolean write(OutputStream out, byte[] bytes, Tally tally, long[] budget) throws IOException {
        int n = (int) Math.min(bytes.length, budget[0]);
        // Counted before they are sent: once the client has the bytes, a reader of the tally sees them
        // (a test that resets the tally after reading a body must not see its tail counted later).
        tally.add(n);
        out.write(bytes, 0, n);
        budget[0] -= n;
        if (n < bytes.length) {
            out.flush();
            return false;
        }
        return true;
    }

    private static boolean copy(InputStream in, OutputStream out, long length, Tally tally, long[] budget)
            throws IOException {
        byte[] buf = new byte[16 * 1024];
        long left = length;
        while (left > 0) {
            if (budget[0] == 0) {
                out.flush();
                return false;
            }
            int want = (int) Math.min(Math.min(buf.length, left), budget[0]);
            int n = in.read(buf, 0, want);
            if (n < 0) {
                if (length == Long.MAX_VALUE) {
                    return true;
                }
                throw new IOException("EOF in body");
            }
            tally.add(n); // before sending: see write()
            out.write(buf, 0, n);
            out.flush();
            budget[0] -= n;
            left -= n;
        }
        return true;
    }

}
