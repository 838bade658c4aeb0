package dev.npcnix.testing.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Reading HTTP/1.1 messages off a socket, byte for byte, for the test proxies. */
final class HttpWire {
    static final int MAX_HEAD = 64 * 1024;

    private HttpWire() {
    }

    /** The header block up to and including the empty line; null on EOF before it. */
    static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0; // how much of CR LF CR LF has been seen
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            if (head.size() > MAX_HEAD) {
                throw new IOException("header block too large");
            }
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                    ? state + 1
                    : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    /** One line including its LF; null on EOF before any byte. */
    static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n') {
                return line.toByteArray();
            }
            if (line.size() > MAX_HEAD) {
                throw new IOException("line too long");
            }
        }
        return line.size() == 0 ? null : line.toByteArray();
    }

    /** A parsed header block: the request or status line, and headers by lower-case name. */
    record Head(String firstLine, Map<String, String> headers) {
        static Head parse(byte[] raw) {
            String[] lines = new String(raw, StandardCharsets.ISO_8859_1).split("\r\n");
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
                }
            }
            return new Head(lines[0], headers);
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }
}
