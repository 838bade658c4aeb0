package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.sign.NixKeys;
import dev.npcnix.state.HostState;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A host with trusted keys that applied a signed release, then meets a remote holding a tampered one:
 * unsigned, signed by an unknown key or another key of the trusted name, content changed under a valid
 * signature, files added, removed or made executable, a symlink slipped in, the manifest edited, a
 * manifest that lies signed with the trusted key, a signature lifted from another release, a malformed
 * or missing signature, a release of another remote, an older release put back. Each is refused before
 * activation, quarantined with the reason, and the applied release stays recorded.
 */
class TamperTest {
    private static final AtomicInteger TRIED = new AtomicInteger();
    private static final AtomicInteger REFUSED = new AtomicInteger();

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

    /** One way to tamper with the remote after the host applied a signed release. */
    record Tamper(String name, String expectedReason, Action action) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Action {
        void apply(TamperTest t) throws Exception;
    }

    static List<Tamper> cases() {
        return List.of(
                new Tamper("unsigned", "not signed", t -> t.publish(null)),
                new Tamper("signed-by-an-unknown-key", "unknown key 'intruder-1'", t -> t.publish(t.keygen("intruder-1"))),
                new Tamper("signed-by-another-key-of-the-trusted-name", "bad signature by key 'ci.example.com-1'",
                        t -> t.publish(t.keygen("ci.example.com-1"))),
                new Tamper("content-changed-under-a-valid-signature", "hosts/web.nix differs",
                        t -> t.tamper(tree -> write(tree.resolve("hosts/web.nix"), "{ evil = true; }"))),
                new Tamper("file-added", "extra.nix is not in the manifest",
                        t -> t.tamper(tree -> write(tree.resolve("extra.nix"), "{ }"))),
                new Tamper("file-removed", "hosts/web.nix is missing",
                        t -> t.tamper(tree -> Files.delete(tree.resolve("hosts/web.nix")))),
                new Tamper("made-executable", "hosts/web.nix differs",
                        t -> t.tamper(tree -> Files.setPosixFilePermissions(tree.resolve("hosts/web.nix"),
                                PosixFilePermissions.fromString("rwxr-xr-x")))),
                new Tamper("symlink-slipped-in", "hosts/evil.nix is not in the manifest",
                        t -> t.tamper(tree -> Files.createSymbolicLink(tree.resolve("hosts/evil.nix"), Path.of("web.nix")))),
                new Tamper("manifest-sequence-edited", "bad signature",
                        t -> t.tamper(tree -> edit(tree.resolve(".npcnix/manifest.json"), "\"sequence\" : ", "\"sequence\" : 9"))),
                new Tamper("manifest-edited-to-match-new-content", "bad signature", t -> t.tamper(tree -> {
                    String old = sha256Of(tree.resolve("hosts/web.nix"));
                    write(tree.resolve("hosts/web.nix"), "{ evil = true; }");
                    edit(tree.resolve(".npcnix/manifest.json"), old, sha256Of(tree.resolve("hosts/web.nix")));
                })),
                new Tamper("a-lying-manifest-signed-with-the-trusted-key", "hosts/web.nix differs", t -> t.tamper(tree -> {
                    Path manifest = tree.resolve(".npcnix/manifest.json");
                    edit(manifest, sha256Of(tree.resolve("hosts/web.nix")), "0".repeat(64));
                    write(tree.resolve(".npcnix/manifest.sig"), t.signingKey().sign(Files.readAllBytes(manifest)));
                })),
                new Tamper("signature-lifted-from-another-release", "bad signature", t -> {
                    String otherSig = t.currentSignature();
                    t.publish(t.secret);
                    t.tamper(tree -> write(tree.resolve(".npcnix/manifest.sig"), otherSig));
                }),
                new Tamper("signature-malformed", "malformed signature (not base64)",
                        t -> t.tamper(tree -> write(tree.resolve(".npcnix/manifest.sig"), "ci.example.com-1:!!not-base64!!"))),
                new Tamper("signature-removed", "not signed",
                        t -> t.tamper(tree -> Files.delete(tree.resolve(".npcnix/manifest.sig")))),
                new Tamper("release-of-another-remote", "manifest is for another remote", t -> {
                    String staging = t.tmp.resolve("store/staging.npcnix").toUri().toString();
                    t.cli.run("publish", "--src", t.flake.toString(), "--remote", staging, "--sign-key", t.secret.toString());
                    Files.copy(t.tmp.resolve("store/staging.npcnix"), t.storeFile, StandardCopyOption.REPLACE_EXISTING);
                }),
                new Tamper("older-release-put-back", "is not above", t -> {
                    Path v1 = t.tmp.resolve("v1.npcnix");
                    Files.copy(t.storeFile, v1);
                    t.publish(t.secret);
                    assertThat(t.follow().code()).isZero();
                    Files.copy(v1, t.storeFile, StandardCopyOption.REPLACE_EXISTING);
                }));
    }

    @BeforeEach
    void setUp() {
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env());
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        secret = keygen("ci.example.com-1");
        publicKey = NixKeys.parseSecret(read(secret)).publicKeyText();
        storeFile = tmp.resolve("store/prod.npcnix");
        remote = storeFile.toUri().toString();
        data = tmp.resolve("data").toString();
    }

    @AfterAll
    static void figures() {
        int tried = TRIED.get();
        int refused = REFUSED.get();
        HostFiles.figure("tamper cases: " + tried + " / " + refused + " refused, " + (tried - refused) + " lost");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aTamperedReleaseIsRefusedBeforeActivation(Tamper tamper) throws Exception {
        TRIED.incrementAndGet();
        publish(secret);
        assertThat(follow().code()).isZero();
        cli.clock.advance(Duration.ofMinutes(10));
        write(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"v2\"; }");

        tamper.action().apply(this);
        int runs = rebuild.invocations().size();
        String applied = HostFiles.appliedEtag(Path.of(data));
        CliRunner.Result r = follow();

        assertThat(r.code()).as("%s: %s", tamper.name(), r.err()).isEqualTo(1);
        assertThat(rebuild.invocations()).as("nixos-rebuild runs").hasSize(runs);
        assertThat(HostFiles.appliedEtag(Path.of(data))).isEqualTo(applied);
        HostState state = HostFiles.state(Path.of(data));
        assertThat(state.quarantined()).singleElement().satisfies(q -> assertThat(q.reason()).contains(tamper.expectedReason()));
        assertThat(HostFiles.list(Path.of(data, "tmp"))).isEmpty();
        REFUSED.incrementAndGet();
    }

    private CliRunner.Result follow() {
        return cli.run("--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web",
                "--trusted-public-keys", publicKey);
    }

    private Path keygen(String name) {
        Path key = tmp.resolve(name + "-" + System.nanoTime() + ".sec");
        CliRunner.Result r = cli.run("keygen", "--name", name, "--secret-key", key.toString());
        assertThat(r.code()).as(r.err()).isZero();
        return key;
    }

    private NixKeys.SecretKey signingKey() {
        return NixKeys.parseSecret(read(secret));
    }

    /** Publishes the flake as it is now, signed with {@code key} (unsigned when null). */
    private void publish(Path key) {
        cli.clock.advance(Duration.ofSeconds(1));
        CliRunner.Result r = key == null
                ? cli.run("publish", "--src", flake.toString(), "--remote", remote)
                : cli.run("publish", "--src", flake.toString(), "--remote", remote, "--sign-key", key.toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    /** The signature of the release the remote holds. */
    private String currentSignature() throws IOException {
        Path tree = unpackRemote();
        return Files.readString(tree.resolve(".npcnix/manifest.sig"));
    }

    /** Publishes the current flake signed, then unpacks it, lets {@code change} alter the tree, packs it back over the remote. */
    private void tamper(TreeChange change) throws Exception {
        publish(secret);
        Path tree = unpackRemote();
        change.apply(tree);
        Path repacked = tmp.resolve("repacked-" + System.nanoTime() + ".npcnix");
        try (OutputStream out = Files.newOutputStream(repacked)) {
            FlakeArchive.pack(tree, out, PackOptions.defaults());
        }
        Files.move(repacked, storeFile, StandardCopyOption.REPLACE_EXISTING);
    }

    private Path unpackRemote() throws IOException {
        Path tree = tmp.resolve("tamper-" + System.nanoTime());
        try (InputStream in = Files.newInputStream(storeFile)) {
            FlakeArchive.unpack(in, tree, UnpackLimits.defaults());
        }
        return tree;
    }

    @FunctionalInterface
    interface TreeChange {
        void apply(Path tree) throws Exception;
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    private static String sha256Of(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file))).toLowerCase(java.util.Locale.ROOT);
    }
}
