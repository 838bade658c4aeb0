package dev.npcnix.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.testing.ec2.FakeImds;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK's IMDS client (imds {@code 2.42.2} beside SDK core {@code 2.57.8}, see the parent POM)
 * against a real HTTP server speaking IMDSv2: tokens, 404 as "not set", retries, and a clear error
 * where no metadata service answers.
 */
class InstanceMetadataTest {
    private FakeImds imds;
    private InstanceMetadata metadata;

    @BeforeEach
    void setUp() throws IOException {
        imds = FakeImds.start()
                .put("/latest/meta-data/instance-id", "i-0abc1234def567890")
                .put("/latest/user-data", "#!/bin/sh\nNPCNIX_REMOTE=s3://acme-config/prod.npcnix\n")
                .put("/latest/meta-data/tags/instance/npcnix:remote", "https://cfg.example.com/prod.npcnix")
                .put("/latest/meta-data/tags/instance/npcnix:configuration", "web");
        metadata = InstanceMetadata.connect(Map.of(InstanceMetadata.ENDPOINT_ENV, imds.endpoint().toString()));
    }

    @AfterEach
    void tearDown() {
        metadata.close();
        imds.close();
    }

    @Test
    void readsWithAnImdsV2SessionToken() {
        assertThat(metadata.instanceId()).isEqualTo("i-0abc1234def567890");
        assertThat(metadata.tag("npcnix:configuration")).contains("web");
        // The fake answers 401 to a GET without the token: a value proves the token dance.
        assertThat(imds.requests()).startsWith("PUT /latest/api/token");
    }

    @Test
    void whatIsNotSetIsEmpty() {
        assertThat(metadata.tag("npcnix:nothing")).isEmpty();
        imds.close();
        FakeImds bare = null;
        try {
            bare = FakeImds.start().put("/latest/meta-data/instance-id", "i-1");
            try (InstanceMetadata m = InstanceMetadata.connect(Map.of(InstanceMetadata.ENDPOINT_ENV, bare.endpoint().toString()))) {
                assertThat(m.userData()).isEmpty();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            if (bare != null) {
                bare.close();
            }
        }
    }

    @Test
    void serverErrorsAreRetried() {
        imds.failNext(2, 503);
        assertThat(metadata.instanceId()).isEqualTo("i-0abc1234def567890");
    }

    @Test
    void noMetadataServiceIsAOneLineErrorNamingTheEndpoint() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (InstanceMetadata nowhere = InstanceMetadata.connect(Map.of(InstanceMetadata.ENDPOINT_ENV, "http://127.0.0.1:" + port))) {
            assertThatThrownBy(nowhere::instanceId)
                    .isInstanceOf(InstanceMetadataException.class)
                    .hasMessageStartingWith("EC2 instance metadata http://127.0.0.1:" + port + "/latest/meta-data/instance-id: no answer")
                    .hasMessageNotContaining("\n")
                    .satisfies(e -> assertThat(((InstanceMetadataException) e).isTransient()).isTrue());
        }
    }

    @Test
    void disabledByTheSdkSwitch() {
        assertThatThrownBy(() -> InstanceMetadata.connect(Map.of(InstanceMetadata.DISABLED_ENV, "true")))
                .isInstanceOf(InstanceMetadataException.class)
                .hasMessageContaining("disabled");
    }

    @Test
    void bootstrapHintsFromUserDataAndTags() {
        assertThat(Ec2Bootstrap.USER_DATA.read(metadata))
                .isEqualTo(new Ec2Bootstrap.Hints(Optional.of("s3://acme-config/prod.npcnix"), Optional.empty()));
        assertThat(Ec2Bootstrap.TAGS.read(metadata))
                .isEqualTo(new Ec2Bootstrap.Hints(Optional.of("https://cfg.example.com/prod.npcnix"), Optional.of("web")));
    }

    @Test
    void userDataLinesMayBeExportedAndQuoted() {
        assertThat(Ec2Bootstrap.fromUserData("""
                #!/bin/sh
                # NPCNIX_REMOTE=commented-out
                export NPCNIX_REMOTE="s3://a/b.npcnix"
                NPCNIX_CONFIGURATION='db-1'
                echo hello
                """)).isEqualTo(new Ec2Bootstrap.Hints(Optional.of("s3://a/b.npcnix"), Optional.of("db-1")));
        assertThat(Ec2Bootstrap.fromUserData("{ config, ... }: { }"))
                .isEqualTo(new Ec2Bootstrap.Hints(Optional.empty(), Optional.empty()));
        assertThat(Ec2Bootstrap.parse("Tags")).isEqualTo(Ec2Bootstrap.TAGS);
    }
}
