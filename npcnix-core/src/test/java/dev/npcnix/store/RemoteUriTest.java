package dev.npcnix.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.InvalidInputException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RemoteUriTest {

    @Test
    void s3RemotesHaveABucketAndAKey() {
        RemoteUri remote = RemoteUri.parse("s3://acme-config/npcnix/remotes/prod.npcnix");

        assertThat(remote.scheme()).isEqualTo(RemoteUri.Scheme.S3);
        assertThat(remote.bucket()).isEqualTo("acme-config");
        assertThat(remote.key()).isEqualTo("npcnix/remotes/prod.npcnix");
        assertThat(remote.fileName()).isEqualTo("prod.npcnix");
        assertThat(remote).hasToString("s3://acme-config/npcnix/remotes/prod.npcnix");
    }

    @Test
    void fileRemotesHaveAnAbsolutePath() {
        RemoteUri remote = RemoteUri.parse("file:///srv/npcnix/prod.npcnix");

        assertThat(remote.scheme()).isEqualTo(RemoteUri.Scheme.FILE);
        assertThat(remote.path()).isEqualTo(Path.of("/srv/npcnix/prod.npcnix"));
        assertThat(RemoteUri.of(Path.of("/srv/npcnix/../npcnix/prod.npcnix"))).isEqualTo(remote);
        assertThat(RemoteUri.parse("file://localhost/srv/prod.npcnix").path()).isEqualTo(Path.of("/srv/prod.npcnix"));
    }

    @Test
    void httpAndHttpsRemotesAreOneScheme() {
        assertThat(RemoteUri.parse("https://cfg.example.com/npcnix/prod.npcnix").scheme()).isEqualTo(RemoteUri.Scheme.HTTP);
        assertThat(RemoteUri.parse("http://10.0.0.1:8080/prod.npcnix").scheme()).isEqualTo(RemoteUri.Scheme.HTTP);
        assertThat(RemoteUri.parse("S3://b/k").scheme()).isEqualTo(RemoteUri.Scheme.S3);
    }

    @Test
    void accessorsOfAnotherSchemeAreAProgrammingError() {
        assertThatThrownBy(() -> RemoteUri.parse("file:///x").bucket()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> RemoteUri.parse("s3://b/k").path()).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "ftp://host/prod.npcnix        | protocol not supported: ftp (supported: s3, file, https, http)",
        "gs://bucket/prod.npcnix       | protocol not supported: gs",
        "s3://bucket                   | no object key (expected s3://BUCKET/KEY)",
        "s3://bucket/                  | no object key",
        "s3://bucket/dir/              | no object key",
        "s3:///key                     | no bucket name",
        "file:relative/prod.npcnix     | malformed URI",
        "file://relative/prod.npcnix   | file URIs take no host",
        "file:///srv/npcnix/           | a directory, not a file",
        "https:///prod.npcnix          | no host",
        "prod.npcnix                   | not a URI with a scheme",
        "/srv/npcnix/prod.npcnix       | not a URI with a scheme",
        "s3://bucket name/key          | malformed URI",
        "'   '                         | empty URI",
    })
    void invalidRemotesSayWhy(String text, String why) {
        assertThatThrownBy(() -> RemoteUri.parse(text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("remote")
                .hasMessageContaining(why);
    }

    @ParameterizedTest
    @CsvSource({
        "https://user:hunter2@cfg.example.com/prod.npcnix",
        "s3://AKIAEXAMPLE:hunter2@bucket/prod.npcnix",
        "http://hunter2@cfg.example.com/prod.npcnix",
    })
    void credentialsInTheUriAreRejectedWithoutEchoingThem(String text) {
        assertThatThrownBy(() -> RemoteUri.parse(text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("credentials in the URI are not allowed")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void invalidInputIsNotTransient() {
        assertThatThrownBy(() -> RemoteUri.parse("ftp://x/y"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.isTransient()).isFalse());
    }
}
