package dev.npcnix.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A misbehaving HTTP server for error tests: answers every request with the same raw bytes, then
 * either closes the connection or holds it open without sending more (a stalled transfer).
 */
final class CannedHttpServer implements AutoCloseable {
    private final ServerSocket listener;
    private final byte[] response;
    private final boolean holdOpen;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    CannedHttpServer(String rawResponse, boolean holdOpen) throws IOException {
        this.listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        this.response = rawResponse.getBytes(StandardCharsets.ISO_8859_1);
        this.holdOpen = holdOpen;
        Thread t = new Thread(this::serve, "canned-http");
        t.setDaemon(true);
        t.start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort() + path);
    }

    /** The request heads received so far. */
    List<String> requests() {
        return new ArrayList<>(requests);
    }

    private void serve() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                sockets.add(s);
                requests.add(readHead(s.getInputStream()));
                OutputStream out = s.getOutputStream();
                out.write(response);
                out.flush();
                if (holdOpen) {
                    release.await();
                }
                s.close();
            } catch (IOException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String s = head.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        release.countDown();
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
