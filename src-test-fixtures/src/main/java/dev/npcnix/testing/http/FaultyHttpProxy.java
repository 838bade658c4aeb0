package dev.npcnix.testing.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain-HTTP/1.1 proxy on 127.0.0.1 in front of one server that injects store faults on demand: the
 * failures a host meets between it and its store. While a {@link Fault} is set, every request gets it;
 * {@link #heal()} makes it a transparent proxy again on the same address. Requests are forwarded
 * unchanged (AWS SigV4 signatures stay valid when the client addresses this proxy), so it can sit in
 * front of {@code S3Server.endpoint()}.
 *
 * <p>{@link Fault#REFUSE} never lets go of the port: a port released for the length of a fault is free
 * for anyone on the machine, and the ephemeral range it came from is where every {@code bind(0)} of every
 * other test process looks; one that takes it makes {@link #heal()} fail ("Address already in use") and
 * sends the host's requests to a stranger. So the listener and a placeholder are bound with
 * {@code SO_REUSEPORT}: while refusing, only the placeholder holds the port, bound and not listening, and
 * the kernel refuses connections to it as to a closed port (an RST to the SYN, {@code ConnectException}
 * for the client); heal binds a new listener next to the placeholder before letting it go.
 */
public final class FaultyHttpProxy implements AutoCloseable {

    /** What the proxy does to each request while set. */
    public enum Fault {
        /** Forward unchanged. */
        NONE,
        /** Nothing listens on the port: connections are refused. */
        REFUSE,
        /** {@code 500 InternalError} with an S3 XML error body. */
        ERROR_500,
        /** {@code 503 SlowDown} with an S3 XML error body, as S3 throttles. */
        SLOW_DOWN_503,
        /** {@code 403 AccessDenied}. */
        FORBIDDEN_403,
        /**
         * {@code 403} to every HEAD, other requests forwarded: how S3 answers the HEAD of a missing key to a
         * caller without {@code s3:ListBucket} (a publisher with PutObject and GetObject only).
         */
        FORBIDDEN_403_ON_HEAD,
        /** {@code 404 NoSuchKey}. */
        NOT_FOUND_404,
        /** Take the request and never answer; the client's read timeout must end it. */
        STALL,
        /** Forward the response head and half the body, then send nothing more; the read timeout must end it. */
        STALL_MID_BODY,
        /** Forward the response head and half the body, then reset the connection. */
        RESET_MID_BODY,
        /** Forward the response with bytes of the body flipped, keeping its length and headers. */
        CORRUPT_BODY,
        /** {@code 307 TemporaryRedirect} to {@link #redirectTo(URI)}; a client must not follow it. */
        REDIRECT_307
    }

    private final URI target;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads;
    private final AtomicInteger faulted = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Fault fault = Fault.NONE;
    private volatile URI redirectLocation = URI.create("http://127.0.0.1:9/");
    private volatile ServerSocket listener;
    /** The thread accepting on {@link #listener}: it ends once the listener is really closed. */
    private Future<?> acceptLoop;
    /** Holds the port while {@link Fault#REFUSE} is set: bound, not listening. */
    private Socket placeholder;
    private volatile boolean closed;

    private FaultyHttpProxy(URI target, ServerSocket listener) {
        this.target = target;
        this.listener = listener;
        this.port = listener.getLocalPort();
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "faulty-proxy-" + port + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts a healthy proxy on a free port of 127.0.0.1 forwarding to {@code target} ({@code http://host:port}). */
    public static FaultyHttpProxy start(URI target) throws IOException {
        ServerSocket listener = listener(0);
        FaultyHttpProxy proxy = new FaultyHttpProxy(target, listener);
        proxy.listen(listener);
        return proxy;
    }

    /** {@code http://127.0.0.1:PORT}, the address clients should use. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** From now on, every request gets {@code newFault}; open connections are cut so none escapes it. */
    public synchronized void inject(Fault newFault) {
        if (newFault == Fault.REFUSE && placeholder == null) {
            Socket hold = new Socket();
            try {
                hold.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                hold.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                HttpWire.closeQuietly(hold);
                throw new UncheckedIOException("cannot hold port " + port + " while refusing", e);
            }
            placeholder = hold;
            HttpWire.closeQuietly(listener); // connections still in its backlog are reset
            // A close while another thread is blocked in accept() completes only when that thread
            // returns from the system call: until then the kernel still listens and a connection would
            // be accepted. Wait for the accept loop to end, so REFUSE holds when inject returns.
            awaitAcceptLoopEnd();
        }
        fault = newFault;
        cutOpenConnections();
    }

    /** Back to forwarding unchanged, on the same address. */
    public synchronized void heal() throws IOException {
        fault = Fault.NONE;
        if (placeholder != null && !closed) {
            listen(listener(port)); // next to the placeholder: the port is never free
            HttpWire.closeQuietly(placeholder);
            placeholder = null;
        }
        cutOpenConnections(); // stalled requests end now, as a server restart would end them
    }

    /** A listener on {@code port} (0: any) of 127.0.0.1 that a placeholder may share the port with. */
    private static ServerSocket listener(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        return socket;
    }

    public Fault fault() {
        return fault;
    }

    /** Where {@link Fault#REDIRECT_307} points. */
    public void redirectTo(URI location) {
        redirectLocation = location;
    }

    /** Requests that got a fault (refused connections are not seen and not counted). */
    public int faultedRequests() {
        return faulted.get();
    }

    /** Requests received, faulted or not. */
    public int requests() {
        return requests.get();
    }

    @Override
    public synchronized void close() {
        closed = true;
        HttpWire.closeQuietly(listener);
        if (placeholder != null) {
            HttpWire.closeQuietly(placeholder);
        }
        cutOpenConnections();
        threads.shutdownNow();
    }

    private void awaitAcceptLoopEnd() {
        try {
            acceptLoop.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while closing the listener on port " + port, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the listener on port " + port + " did not close", e);
        }
    }

    private void listen(ServerSocket socket) {
        listener = socket;
        acceptLoop = threads.submit(() -> {
            while (!closed && !socket.isClosed()) {
                Socket client;
                try {
                    client = socket.accept();
                } catch (IOException e) {
                    return;
                }
                sockets.add(client);
                threads.execute(() -> serve(client));
            }
        });
    }

    private void cutOpenConnections() {
        sockets.forEach(HttpWire::closeQuietly);
        sockets.clear();
    }

    /** One client connection: requests one after the other, each on the same upstream connection. */
    private void serve(Socket client) {
        Socket upstream = null;
        try {
            client.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            InputStream upIn = null;
            while (true) {
                byte[] rawHead = HttpWire.readHead(in);
                if (rawHead == null) {
                    return;
                }
                requests.incrementAndGet();
                HttpWire.Head head = HttpWire.Head.parse(rawHead);
                String method = head.firstLine().split(" ", 2)[0];
                if ("100-continue".equalsIgnoreCase(head.headers().getOrDefault("expect", "").strip())) {
                    // Answer it here and forward without it: the body is read before anything is forwarded,
                    // and a client would otherwise wait seconds for a 100 that never comes.
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    rawHead = new String(rawHead, StandardCharsets.ISO_8859_1).replaceAll("(?im)^expect:[^\r\n]*\r\n", "")
                            .getBytes(StandardCharsets.ISO_8859_1);
                }
                byte[] body = readRequestBody(in, head);
                Fault now = fault;
                switch (now) {
                    case REFUSE -> {
                        // accepted in the instant before the listener closed: reset, never forwarded
                        client.setSoLinger(true, 0);
                        return;
                    }
                    case ERROR_500 -> {
                        answer(out, 500, "Internal Server Error", "InternalError", "We encountered an internal error. Please try again.", method, "");
                        return;
                    }
                    case SLOW_DOWN_503 -> {
                        answer(out, 503, "Slow Down", "SlowDown", "Please reduce your request rate.", method, "");
                        return;
                    }
                    case FORBIDDEN_403 -> {
                        answer(out, 403, "Forbidden", "AccessDenied", "Access Denied", method, "");
                        return;
                    }
                    case FORBIDDEN_403_ON_HEAD -> {
                        if ("HEAD".equals(method)) {
                            answer(out, 403, "Forbidden", "AccessDenied", "Access Denied", method, "");
                            return;
                        }
                    }
                    case NOT_FOUND_404 -> {
                        answer(out, 404, "Not Found", "NoSuchKey", "The specified key does not exist.", method, "");
                        return;
                    }
                    case REDIRECT_307 -> {
                        URI to = redirectLocation;
                        String path = head.firstLine().split(" ", 3)[1];
                        answer(out, 307, "Temporary Redirect", "TemporaryRedirect",
                                "Please re-send this request to the specified temporary endpoint.", method,
                                "Location: http://" + to.getAuthority() + path + "\r\n");
                        return;
                    }
                    case STALL -> {
                        faulted.incrementAndGet();
                        while (in.read() >= 0) {
                            // hold the request until the client gives up or the proxy heals
                        }
                        return;
                    }
                    default -> { }
                }
                if (upstream == null) {
                    upstream = new Socket(target.getHost(), target.getPort());
                    upstream.setTcpNoDelay(true);
                    sockets.add(upstream);
                    upIn = new BufferedInputStream(upstream.getInputStream());
                }
                OutputStream upOut = upstream.getOutputStream();
                upOut.write(rawHead);
                upOut.write(body);
                upOut.flush();
                if (!forwardResponse(upIn, out, method, now, client)) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // either side went away, or a fault cut the connection: close both below
        } finally {
            HttpWire.closeQuietly(client);
            sockets.remove(client);
            if (upstream != null) {
                HttpWire.closeQuietly(upstream);
                sockets.remove(upstream);
            }
        }
    }

    /** Forwards one response, applying a body fault; false when the connection must end. */
    private boolean forwardResponse(InputStream upIn, OutputStream out, String method, Fault now, Socket client)
            throws IOException {
        while (true) {
            byte[] rawHead = HttpWire.readHead(upIn);
            if (rawHead == null) {
                return false;
            }
            HttpWire.Head head = HttpWire.Head.parse(rawHead);
            int status = Integer.parseInt(head.firstLine().split(" ", 3)[1]);
            out.write(rawHead);
            if (status >= 100 && status < 200) {
                out.flush();
                continue; // interim response: the final one follows
            }
            String cl = head.headers().get("content-length");
            String te = head.headers().getOrDefault("transfer-encoding", "");
            boolean bodyless = "HEAD".equals(method) || status == 204 || status == 304 || "0".equals(cl);
            if (bodyless) {
                out.flush();
                return true;
            }
            if (te.toLowerCase(Locale.ROOT).contains("chunked")) {
                copyChunked(upIn, out);
                return true;
            }
            if (cl == null) {
                upIn.transferTo(out); // delimited by the connection closing
                out.flush();
                return false;
            }
            long length = Long.parseLong(cl.strip());
            if (now == Fault.STALL_MID_BODY) {
                faulted.incrementAndGet();
                copy(upIn, out, length / 2, false);
                out.flush();
                InputStream fromClient = client.getInputStream();
                while (fromClient.read() >= 0) {
                    // hold the rest until the client gives up or the proxy heals
                }
                return false;
            }
            if (now == Fault.RESET_MID_BODY) {
                faulted.incrementAndGet();
                copy(upIn, out, length / 2, false);
                out.flush();
                client.setSoLinger(true, 0); // RST, not a polite FIN
                return false;
            }
            boolean corrupt = now == Fault.CORRUPT_BODY && status == 200;
            if (corrupt) {
                faulted.incrementAndGet();
            }
            copy(upIn, out, length, corrupt);
            out.flush();
            return true;
        }
    }

    private void answer(OutputStream out, int status, String reason, String code, String message, String method,
            String extraHeaders) throws IOException {
        faulted.incrementAndGet();
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>FAULTY0PROXY0001</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        boolean head = "HEAD".equals(method);
        String response = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: application/xml\r\n"
                + "Content-Length: " + (head ? 0 : body.length) + "\r\n"
                + "x-amz-request-id: FAULTY0PROXY0001\r\n"
                + extraHeaders
                + "Connection: close\r\n\r\n";
        out.write(response.getBytes(StandardCharsets.ISO_8859_1));
        if (!head) {
            out.write(body);
        }
        out.flush();
    }

    private static byte[] readRequestBody(InputStream in, HttpWire.Head head) throws IOException {
        String cl = head.headers().get("content-length");
        if (head.headers().getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            copyChunked(in, body);
            return body.toByteArray();
        }
        if (cl == null) {
            return new byte[0];
        }
        return in.readNBytes(Integer.parseInt(cl.strip()));
    }

    /** Copies a chunked body with its framing, up to and including the empty line after the last chunk. */
    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            byte[] sizeLine = HttpWire.readLine(in);
            if (sizeLine == null) {
                throw new IOException("EOF in chunked body");
            }
            out.write(sizeLine);
            String hex = new String(sizeLine, StandardCharsets.US_ASCII).strip();
            int semi = hex.indexOf(';');
            long size = Long.parseLong(semi < 0 ? hex : hex.substring(0, semi), 16);
            if (size == 0) {
                while (true) {
                    byte[] line = HttpWire.readLine(in);
                    if (line == null) {
                        throw new IOException("EOF in chunk trailer");
                    }
                    out.write(line);
                    if (line.length <= 2) {
                        out.flush();
                        return;
                    }
                }
            }
            copy(in, out, size + 2, false);
        }
    }

    /** Copies {@code length} bytes; with {@code corrupt}, flips every 101st byte (the length stays). */
    private static void copy(InputStream in, OutputStream out, long length, boolean corrupt) throws IOException {
        byte[] buf = new byte[16 * 1024];
        long left = length;
        long offset = 0;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("EOF in body");
            }
            if (corrupt) {
                for (int i = 0; i < n; i++) {
                    if ((offset + i) % 101 == 50) {
                        buf[i] ^= (byte) 0xff;
                    }
                }
            }
            out.write(buf, 0, n);
            offset += n;
            left -= n;
        }
    }

}
