package dev.npcnix.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/** Where the direct GET applies, the URL it builds and how it signs (no S3 server: see S3StoreTest). */
class S3DirectGetTest {
    private final SdkHttpClient http = UrlConnectionHttpClient.builder().build();
    @TempDir
    Path home;

    @AfterEach
    void close() {
        http.close();
    }

    private StoreSettings aws(Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(Map.of("HOME", home.toString()));
        env.putAll(extraEnv);
        return new StoreSettings(Optional.empty(), Optional.empty(), env, Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    private static RemoteUri remote(String text) {
        return RemoteUri.parse(text);
    }

    @Test
    void onAwsItAddressesTheBucketVirtualHostedInItsRegionAndEncodesTheKeyAsTheClientDoes() {
        S3DirectGet get = S3DirectGet.forSettings(aws(Map.of()), "eu-west-1", http).orElseThrow();

        assertThat(get.uri(remote("s3://fleet-prod/hosts/web+1=a.npcnix")))
                .hasToString("https://fleet-prod.s3.eu-west-1.amazonaws.com/hosts/web%2B1%3Da.npcnix");
        assertThat(get.serves(remote("s3://fleet-prod/x.npcnix"))).isTrue();
        // Dots break the wildcard certificate; "--" marks S3 Express and alias names; the client knows those.
        assertThat(get.serves(remote("s3://fleet.prod/x.npcnix"))).isFalse();
        assertThat(get.serves(remote("s3://fleet--x-s3/x.npcnix"))).isFalse();
    }

    @Test
    void withAnEndpointOverrideItAddressesPathStyleLikeTheClient() {
        StoreSettings settings = StoreSettings.of(Map.of(), Optional.of("us-east-1"), Optional.of("http://127.0.0.1:9000"));
        S3DirectGet get = S3DirectGet.forSettings(settings, "us-east-1", http).orElseThrow();

        assertThat(get.uri(remote("s3://fleet.prod/a/b.npcnix"))).hasToString("http://127.0.0.1:9000/fleet.prod/a/b.npcnix");
        assertThat(get.serves(remote("s3://fleet.prod/a/b.npcnix"))).isTrue();
    }

    @Test
    void itStepsAsideWhereOnlyTheClientKnowsTheUrl() throws IOException {
        assertThat(S3DirectGet.whyNot(aws(Map.of()), "us-east-1")).isEmpty();
        assertThat(S3DirectGet.whyNot(aws(Map.of()), "cn-north-1")).contains("region cn-north-1 is outside the standard partition");
        assertThat(S3DirectGet.whyNot(aws(Map.of()), "us-gov-west-1")).isPresent();
        assertThat(S3DirectGet.whyNot(aws(Map.of("AWS_USE_FIPS_ENDPOINT", "true")), "us-east-1")).contains("AWS_USE_FIPS_ENDPOINT is set");
        assertThat(S3DirectGet.whyNot(aws(Map.of("AWS_USE_DUALSTACK_ENDPOINT", "TRUE")), "us-east-1")).isPresent();
        StoreSettings withPath = StoreSettings.of(Map.of(), Optional.empty(), Optional.of("https://gw.example/s3"));
        assertThat(S3DirectGet.whyNot(withPath, "us-east-1")).contains("the endpoint override has a path or query");

        Files.createDirectories(home.resolve(".aws"));
        Files.writeString(home.resolve(".aws/config"), "[default]\nregion = eu-west-1\n");
        assertThat(S3DirectGet.whyNot(aws(Map.of()), "eu-west-1")).isEmpty();
        Files.writeString(home.resolve(".aws/config"), "[default]\nregion = eu-west-1\nendpoint_url = https://minio.example\n");
        assertThat(S3DirectGet.whyNot(aws(Map.of()), "eu-west-1")).get().asString().endsWith("has endpoint settings");
        Path other = home.resolve("other-config");
        Files.writeString(other, "[profile ops]\ns3 =\n  addressing_style = path\n");
        assertThat(S3DirectGet.whyNot(aws(Map.of("AWS_CONFIG_FILE", other.toString())), "eu-west-1")).isPresent();
    }

    @Test
    void theRequestIsSignedForS3WithTheSessionTokenAndTheConditionAndCarriesNoPayloadHashOverTls() {
        S3DirectGet get = S3DirectGet.forSettings(aws(Map.of()), "eu-west-1", http).orElseThrow();

        SdkHttpRequest signed = get.signed(remote("s3://fleet-prod/x.npcnix"), "\"abc\"",
                AwsSessionCredentials.create("AKIAEXAMPLE", "secret", "token-1"));

        assertThat(signed.firstMatchingHeader("Authorization")).get().asString()
                .startsWith("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/")
                .contains("/eu-west-1/s3/aws4_request")
                .contains("if-none-match")
                .contains("x-amz-security-token");
        assertThat(signed.firstMatchingHeader("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");
        assertThat(signed.firstMatchingHeader("x-amz-security-token")).contains("token-1");
        assertThat(signed.firstMatchingHeader("If-None-Match")).contains("\"abc\"");
    }

    @Test
    void aPutThatGetsNoAnswerIsSentOnceMoreOnAFreshConnection() throws Exception {
        // A server that drops the first connection unanswered (as a closed keep-alive connection does),
        // then answers 200: the report or index still lands, with the same bytes.
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            List<String> bodies = Collections.synchronizedList(new ArrayList<>());
            Thread answering = new Thread(() -> {
                try {
                    try (Socket first = server.accept()) {
                        first.setSoLinger(true, 0); // reset, no answer
                    }
                    try (Socket second = server.accept()) {
                        DataInputStream in = new DataInputStream(second.getInputStream());
                        int length = 0;
                        for (String line; !(line = readLine(in)).isEmpty(); ) {
                            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                                length = Integer.parseInt(line.substring(15).trim());
                            }
                        }
                        byte[] body = new byte[length];
                        in.readFully(body);
                        bodies.add(new String(body, StandardCharsets.UTF_8));
                        second.getOutputStream().write(("HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 0\r\n"
                                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            answering.start();
            StoreSettings settings = StoreSettings.of(Map.of(), Optional.of("us-east-1"),
                    Optional.of("http://127.0.0.1:" + server.getLocalPort()));
            S3DirectGet direct = S3DirectGet.forSettings(settings, "us-east-1", http).orElseThrow();

            HttpAnswer answer = direct.put(remote("s3://fleet/hosts/web.json"), "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                    "application/json", AwsSessionCredentials.create("AKIAEXAMPLE", "secret", "token"));
            answer.discard();
            answering.join();

            assertThat(answer.status()).isEqualTo(200);
            assertThat(bodies).containsExactly("{\"a\":1}");
        }
    }

    private static String readLine(DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed in the request head");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
