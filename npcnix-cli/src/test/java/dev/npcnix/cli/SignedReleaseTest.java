package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.sign.NixKeys;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.Tools;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** publish --sign-key → hosts with trusted keys accept it, and refuse every kind of tampering. */
class SignedReleaseTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private FakeNixosRebuild rebuild;
    private Path flake;
    private Path secret;
    private String publicKey;
    private Path storeFile;
    private String remote;
    private String data;

    @BeforeEach
    void setUp() throws Exception {
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env());
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        secret = tmp.resolve("ci.sec");
        CliRunner.Result keygen = cli.run("keygen", "--name", "ci.example.com-1", "--secret-key", secret.toString(),
                "--public-key", tmp.resolve("ci.pub").toString());
        assertThat(keygen.code()).as(keygen.err()).isZero();
        publicKey = keygen.out().strip();
        storeFile = tmp.resolve("store/prod.npcnix");
        remote = storeFile.toUri().toString();
        data = tmp.resolve("data").toString();
    }

    private void publishSigned() {
        CliRunner.Result r = cli.run("publish", "--src", flake.toString(), "--remote", remote, "--sign-key", secret.toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    private CliRunner.Result follow() {
        return cli.run("--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web",
                "--trusted-public-keys", publicKey);
    }

    /** Unpacks the remote's archive, lets {@code change} alter the tree, packs it back over the remote. */
    private void tamper(Consumer<Path> change) throws Exception {
        Path tree = tmp.resolve("tamper-" + System.nanoTime());
        try (InputStream in = Files.newInputStream(storeFile)) {
            FlakeArchive.unpack(in, tree, UnpackLimits.defaults());
        }
        change.accept(tree);
        Path repacked = tmp.resolve("repacked.npcnix");
        try (OutputStream out = Files.newOutputStream(repacked)) {
            FlakeArchive.pack(tree, out, PackOptions.defaults());
        }
        Files.move(repacked, storeFile, StandardCopyOption.REPLACE_EXISTING);
    }

    private void assertRefused(String reason) {
        CliRunner.Result r = follow();
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(cli.run("--data-dir", data, "status").out()).contains("quarantined:").contains(reason);
    }

    @Test
    void keygenWritesAPrivateSecretAndPrintsThePublicKey() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        assertThat(publicKey).startsWith("ci.example.com-1:");
        assertThat(Base64.getDecoder().decode(publicKey.substring(publicKey.indexOf(':') + 1))).hasSize(32);
        assertThat(Files.readString(tmp.resolve("ci.pub")).strip()).isEqualTo(publicKey);
        assertThat(cli.run("keygen", "--name", "x", "--secret-key", secret.toString()).code()).as("never overwrites").isEqualTo(2);
    }

    @Test
    void keysAreInterchangeableWithNix() throws Exception {
        Optional<String> nix = Tools.missing("nix", "nix-bin"); // the nix command only: no build, no busybox
        assumeTrue(nix.isEmpty(), () -> nix.orElseThrow());
        Process p = new ProcessBuilder("nix", "--extra-experimental-features", "nix-command", "key", "convert-secret-to-public")
                .redirectInput(secret.toFile()).start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip()).isEqualTo(publicKey);

        Process gen = new ProcessBuilder("nix", "--extra-experimental-features", "nix-command", "key", "generate-secret",
                "--key-name", "nix-made-1").start();
        String nixSecret = new String(gen.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        NixKeys.SecretKey parsed = NixKeys.parseSecret(nixSecret);
        assertThat(parsed.text()).isEqualTo(nixSecret);
        byte[] msg = "hello".getBytes(StandardCharsets.US_ASCII);
        String sig = parsed.sign(msg);
        assertThat(NixKeys.parsePublic(parsed.publicKeyText()).verifies(msg, Base64.getDecoder().decode(sig.substring(sig.indexOf(':') + 1))))
                .isTrue();
    }

    @Test
    void aSignedReleaseIsAcceptedAndRepublishingItIsUnchanged() {
        publishSigned();
        CliRunner.Result r = follow();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(rebuild.invocations()).hasSize(1);
        assertThat(rebuild.invocations().get(0).tree().resolve(".npcnix/manifest.json")).exists();

        cli.clock.advance(Duration.ofMinutes(5));
        CliRunner.Result again = cli.run("publish", "--src", flake.toString(), "--remote", remote, "--sign-key", secret.toString());
        assertThat(again.out()).startsWith("unchanged");

        CliRunner.Result verify = cli.run("verify", storeFile.toString(), "--trusted-public-keys", publicKey, "--remote", remote);
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).startsWith("ok: ").contains("sequence", "entries");
    }

    @Test
    void anUnsignedReleaseIsRefused() {
        cli.run("publish", "--src", flake.toString(), "--remote", remote);
        assertRefused("not signed");
        assertThat(rebuild.invocations()).isEmpty();
    }

    @Test
    void aReleaseSignedByAnUnknownKeyIsRefused() {
        Path other = tmp.resolve("other.sec");
        cli.run("keygen", "--name", "intruder-1", "--secret-key", other.toString());
        cli.run("publish", "--src", flake.toString(), "--remote", remote, "--sign-key", other.toString());
        assertRefused("unknown key 'intruder-1'");
        assertThat(rebuild.invocations()).isEmpty();
    }

    @Test
    void changedContentIsRefused() throws Exception {
        publishSigned();
        tamper(tree -> write(tree.resolve("hosts/web.nix"), "{ evil = true; }"));
        assertRefused("content does not match its signed manifest: hosts/web.nix differs");

        publishSigned();
        tamper(tree -> write(tree.resolve("extra.nix"), "{}"));
        assertRefused("extra.nix is not in the manifest");
        assertThat(rebuild.invocations()).isEmpty();
        assertThat(cli.run("verify", storeFile.toString(), "--trusted-public-keys", publicKey).code()).isEqualTo(1);
    }

    @Test
    void anEditedManifestHasABadSignature() throws Exception {
        publishSigned();
        tamper(tree -> {
            Path m = tree.resolve(".npcnix/manifest.json");
            try {
                write(m, Files.readString(m).replace("\"sequence\" : ", "\"sequence\" : 9"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertRefused("bad signature");
    }

    @Test
    void aReleaseCopiedFromAnotherRemoteIsRefused() throws Exception {
        String staging = tmp.resolve("store/staging.npcnix").toUri().toString();
        cli.run("publish", "--src", flake.toString(), "--remote", staging, "--sign-key", secret.toString());
        Files.copy(tmp.resolve("store/staging.npcnix"), storeFile);
        assertRefused("manifest is for another remote (" + staging + ")");
    }

    @Test
    void anOlderReleasePutBackIsRefusedAsADowngrade() throws Exception {
        publishSigned();
        Path v1 = tmp.resolve("v1.npcnix");
        Files.copy(storeFile, v1);
        assertThat(follow().code()).isZero();

        cli.clock.advance(Duration.ofHours(1));
        write(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"v2\"; }");
        publishSigned();
        assertThat(follow().code()).isZero();

        Files.copy(v1, storeFile, StandardCopyOption.REPLACE_EXISTING);
        assertRefused("is not above");
        assertThat(rebuild.invocations()).hasSize(2);
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
