import com.sun.net.httpserver.*;
import java.io.*;
import java.net.InetSocketAddress;
import java.nio.file.*;
import java.security.*;
import java.util.HexFormat;
import javax.net.ssl.*;

/**
 * A stand-in S3 endpoint for src-test-fixtures/bench/tls/idle-rss: serves one object for any GET (ETag =
 * its MD5, as S3 gives a single-part upload) and 304 to a matching If-None-Match, over HTTP or HTTPS.
 * Arguments: ARCHIVE PORT TLS(0|1) KEYSTORE(PKCS12, password changeit). Run with the source launcher.
 */
public class FakeS3 {
    public static void main(String[] a) throws Exception {
        byte[] body = Files.readAllBytes(Path.of(a[0]));
        String etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body)) + "\"";
        int port = Integer.parseInt(a[1]);
        HttpServer server;
        if (a[2].equals("1")) {
            HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 50);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(new FileInputStream(a[3]), "changeit".toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(ks, "changeit".toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            s.setHttpsConfigurator(new HttpsConfigurator(ctx));
            server = s;
        } else {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        }
        int[] count = {0};
        server.createContext("/", ex -> {
            count[0]++;
            String inm = ex.getRequestHeaders().getFirst("If-None-Match");
            ex.getResponseHeaders().add("ETag", etag);
            if (etag.equals(inm)) {
                ex.sendResponseHeaders(304, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        System.out.println("ready " + etag);
    }
}
