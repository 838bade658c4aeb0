package dev.npcnix.follow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.activate.Activators;
import dev.npcnix.archive.ArchiveException;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.archive.UnpackedEntry;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalException;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.testing.archive.TarBuilder;
import dev.npcnix.testing.host.HostFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each stage of the poll step alone: its typed input, its output or the end of the poll, its failures. */
class StagesTest {
    @RegisterExtension
    final HostFixture host = new HostFixture();

    private final List<Workspace> workspaces = new ArrayList<>();

    private Poll poll(Optional<Etag> known, boolean force) {
        return poll(host.dataDir().loadSettings(), host.dataDir().loadState(), known, force);
    }

    private Poll poll(Settings settings, HostState state, Optional<Etag> known, boolean force) {
        Workspace w = new Workspace(host.dataDir());
        workspaces.add(w);
        return new Poll(host.remote(), HostFixture.WEB, settings, state, known, force, host.clock().instant(), w);
    }

    private static <T> T next(Step<T> step) {
        assertThat(step).isInstanceOf(Step.Next.class);
        return ((Step.Next<T>) step).value();
    }

    private static PollOutcome stopped(Step<?> step) {
        assertThat(step).isInstanceOf(Step.Stop.class);
        return ((Step.Stop<?>) step).outcome();
    }

    private Download.ReleaseFile downloaded(Poll poll) {
        return next(new Download(1 << 20).run(next(new Fetch(host.stores()).run(poll, poll)), poll));
    }

    @Test
    void fetchAsksForAnythingButTheKnownRelease() {
        PublishResult published = host.publish();
        Poll fresh = poll(Optional.empty(), false);
        Fetch.Incoming incoming = next(new Fetch(host.stores()).run(fresh, fresh));
        assertThat(incoming.release().etag()).isEqualTo(published.etag());
        assertThat(incoming.release().sha256()).as("not read yet").isNull();
        assertThat(incoming.release().size()).isEqualTo(published.size());
        new Download(1 << 20).run(incoming, fresh); // reads and closes the body

        Poll known = poll(Optional.of(published.etag()), false);
        assertThat(stopped(new Fetch(host.stores()).run(known, known))).isEqualTo(new PollOutcome.Unchanged(published.etag()));

        HostState quarantined = HostState.empty().withQuarantine(new HostState.Quarantine(host.remote(), published.etag(),
                null, HostFixture.WEB, host.clock().instant(), "boom"));
        Poll q = poll(host.dataDir().loadSettings(), quarantined, Optional.of(published.etag()), false);
        assertThat(stopped(new Fetch(host.stores()).run(q, q))).isEqualTo(new PollOutcome.Quarantined(published.etag(), "boom"));
    }

    @Test
    void downloadPutsTheBytesInTheWorkspaceHashedAndWithinTheLimit() throws Exception {
        PublishResult published = host.publish();
        Poll p = poll(Optional.empty(), false);
        Download.ReleaseFile file = downloaded(p);
        assertThat(file.archive()).startsWith(host.dataDir().tmp()).hasSize(published.size());
        assertThat(file.release().sha256()).isEqualTo(published.sha256()).isEqualTo(Digests.sha256Hex(file.archive()));

        Poll small = poll(Optional.empty(), false);
        Fetch.Incoming incoming = next(new Fetch(host.stores()).run(small, small));
        assertThatThrownBy(() -> new Download(100).run(incoming, small))
                .isInstanceOfSatisfying(ArchiveException.class, e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.DETERMINISTIC))
                .hasMessageContaining("more than the limit of 100");

        Poll blocked = poll(Optional.empty(), false);
        Files.createDirectory(blocked.workspace().dir().resolve("release.npcnix")); // where the download goes
        Fetch.Incoming again = next(new Fetch(host.stores()).run(blocked, blocked));
        assertThatThrownBy(() -> new Download(1 << 20).run(again, blocked))
                .isInstanceOfSatisfying(LocalException.class, e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.LOCAL))
                .hasMessageStartingWith(blocked.workspace().dir().resolve("release.npcnix") + ": cannot write the download")
                .hasMessageNotContaining("remote");
    }

    @Test
    void screenStopsAtAQuarantinedOrAppliedReleaseUnlessForced() {
        PublishResult published = host.publish();
        Download.ReleaseFile file = downloaded(poll(Optional.empty(), false));
        assertThat(next(new Screen().run(file, poll(Optional.empty(), false)))).isSameAs(file);

        // quarantined by content: the same bytes republished under another ETag
        HostState state = HostState.empty().withQuarantine(new HostState.Quarantine(host.remote(), new Etag("other"),
                published.sha256(), HostFixture.WEB, host.clock().instant(), "boom"));
        Step<Download.ReleaseFile> q = new Screen().run(file, poll(host.dataDir().loadSettings(), state, Optional.empty(), false));
        assertThat(stopped(q)).isEqualTo(new PollOutcome.Quarantined(published.etag(), "boom"));
        assertThat(((Step.Stop<?>) q).seen()).contains(new HostState.LastSeen(host.remote(), published.etag(), HostFixture.WEB));

        Settings applied = host.dataDir().loadSettings().withLastReconfiguration(host.clock().instant(), published.etag(),
                HostFixture.WEB);
        assertThat(stopped(new Screen().run(file, poll(applied, HostState.empty(), Optional.empty(), false))))
                .isEqualTo(new PollOutcome.Unchanged(published.etag()));
        assertThat(new Screen().run(file, poll(applied, state, Optional.empty(), true))).as("--ignore-etag")
                .isInstanceOf(Step.Next.class);
    }

    @Test
    void unpackHandsTheVerifierEveryEntryHashedOnceAndRefusesANonFlake() throws Exception {
        host.publish();
        Poll p = poll(Optional.empty(), false);
        Download.ReleaseFile file = downloaded(p);
        List<UnpackedEntry> seen = new ArrayList<>();
        ReleaseVerifier verifier = (flake, state) -> {
            seen.addAll(flake.entries());
            return OptionalLong.of(7);
        };
        Unpack.VerifiedFlake flake = next(new Unpack(UnpackLimits.defaults(), verifier).run(file, p));
        assertThat(flake.dir().resolve("flake.nix")).exists();
        assertThat(flake.sequence()).hasValue(7);
        assertThat(file.archive()).as("removed once unpacked").doesNotExist();
        assertThat(seen).filteredOn(e -> e.path().equals("hosts/web.nix")).singleElement().satisfies(e ->
                assertThat(e.sha256()).isEqualTo(Digests.sha256Hex(host.flake().resolve("hosts/web.nix"))));

        Files.write(host.remote().path(), TarBuilder.tar().file("README.md", "no flake\n").zstd());
        Poll q = poll(Optional.empty(), false);
        Download.ReleaseFile notAFlake = downloaded(q);
        assertThatThrownBy(() -> new Unpack(UnpackLimits.defaults(), ReleaseVerifier.NONE).run(notAFlake, q))
                .isInstanceOf(ArchiveException.class).hasMessageContaining("no flake.nix");
    }

    @Test
    void activateRunsTheRebuildWithTheSettingsOptionsThenTheCommandLines() {
        host.publish();
        Settings settings = host.dataDir().loadSettings().withActivationOptions(List.of("https://a", "https://b"), List.of());
        Poll p = poll(settings, HostState.empty(), Optional.empty(), false);
        Download.ReleaseFile file = downloaded(p);
        Unpack.VerifiedFlake flake = next(new Unpack(UnpackLimits.defaults(), ReleaseVerifier.NONE).run(file, p));
        host.clock().advance(Duration.ofSeconds(30));
        FollowOptions options = FollowOptions.defaults().withActivationOptions(List.of("https://b", "https://c"), List.of());
        Activate.Activation done = next(new Activate(Activators.nixosRebuild(host.rebuild().env(), Optional.empty()),
                host.clock(), options, () -> false).run(flake, p));
        assertThat(done.took()).isEqualTo(Duration.ofSeconds(30));
        assertThat(host.rebuild().invocations()).singleElement().satisfies(run -> assertThat(String.join(" ", run.args()))
                .contains("extra-substituters https://a --option extra-substituters https://b --option extra-substituters https://c")
                .doesNotContain("https://b --option extra-substituters https://b"));
    }

    @Test
    void recorderWritesWhatIsAppliedAndQuarantinesOnlyTheReleasesFault() {
        PublishResult published = host.publish();
        Poll p = poll(Optional.empty(), false);
        Release release = downloaded(p).release();
        Recorder recorder = new Recorder(host.dataDir(), host.clock(), FollowOptions.defaults());

        PollOutcome local = recorder.failed(Optional.of(release),
                new LocalException(host.dataDir().tmp(), "cannot write", new java.io.IOException("No space left on device")), p, () -> { });
        assertThat(local).isInstanceOfSatisfying(PollOutcome.Failed.class, f -> assertThat(f.isTransient()).isTrue());
        assertThat(host.dataDir().loadState().quarantined()).as("a local failure quarantines nothing").isEmpty();
        assertThat(host.dataDir().loadState().lastAttempt()).hasValueSatisfying(a -> {
            assertThat(a.errorClass()).isEqualTo(ErrorClass.LOCAL);
            assertThat(a.result()).isEqualTo(HostState.Result.FAILED);
        });

        recorder.failed(Optional.of(release), new ArchiveException("archive: corrupt"), p, () -> { });
        assertThat(host.dataDir().loadState().quarantined()).singleElement()
                .satisfies(q -> assertThat(q.etag()).isEqualTo(published.etag()));

        Unpack.VerifiedFlake flake = new Unpack.VerifiedFlake(host.tmp(), release, OptionalLong.of(9));
        assertThat(recorder.activated(new Activate.Activation(flake, Duration.ofSeconds(3)), p))
                .isInstanceOf(PollOutcome.Activated.class);
        assertThat(host.dataDir().loadSettings().lastEtag()).contains(published.etag());
        assertThat(host.dataDir().loadState().highestSequence()).isEqualTo(9);
        assertThat(recorder.known(host.dataDir().loadSettings(), host.dataDir().loadState(), host.remote(), HostFixture.WEB))
                .contains(published.etag());
        assertThat(recorder.known(host.dataDir().loadSettings(), host.dataDir().loadState(), host.remote(),
                ConfigurationName.of("db"))).as("another configuration asks for everything").isEmpty();
    }

    @Test
    void aRebuildThatFailsAfterAShutdownRequestIsInterruptedNotTheReleasesFault() {
        host.publish();
        Poll p = poll(Optional.empty(), false);
        Unpack.VerifiedFlake flake = next(new Unpack(UnpackLimits.defaults(), ReleaseVerifier.NONE).run(downloaded(p), p));
        host.rebuild().exitWith(1); // nix reports "interrupted by the user" and exits 1: a plain failure, but for the stop
        boolean[] stop = {false};
        Activate activate = new Activate(Activators.nixosRebuild(host.rebuild().env(), Optional.empty()), host.clock(),
                FollowOptions.defaults(), () -> stop[0]);

        assertThatThrownBy(() -> activate.run(flake, p)).isInstanceOfSatisfying(dev.npcnix.NpcnixException.class,
                e -> assertThat(e.errorClass()).as("no stop asked for: the release failed").isEqualTo(ErrorClass.DETERMINISTIC));
        stop[0] = true;
        assertThatThrownBy(() -> activate.run(flake, p)).isInstanceOfSatisfying(dev.npcnix.NpcnixException.class, e -> {
            assertThat(e.errorClass()).isEqualTo(ErrorClass.INTERRUPTED);
            assertThat(e.getMessage()).startsWith("nixos-rebuild exited 1").endsWith(" (after a shutdown request)");
        });
    }

    @Test
    void anInterruptedActivationIsKeptInTheHistoryAndNeitherQuarantinedNorSkippedNextTime() {
        PublishResult published = host.publish();
        Poll p = poll(Optional.empty(), false);
        Release release = downloaded(p).release();
        Recorder recorder = new Recorder(host.dataDir(), host.clock(), FollowOptions.defaults());
        HostState.LastSeen before = host.dataDir().loadState().lastSeen();
        dev.npcnix.activate.ActivationException killed = dev.npcnix.activate.ActivationException.interrupted(
                "nixos-rebuild exited 143 (killed by SIGTERM)", 143, List.of(), null);

        // a stop the daemon saw requested: never held against the release, however often
        for (int i = 0; i < 3; i++) {
            PollOutcome outcome = recorder.failed(Optional.of(release),
                    dev.npcnix.activate.ActivationException.interruptedByShutdown(killed), p, () -> { });
            assertThat(outcome).isInstanceOfSatisfying(PollOutcome.Failed.class, f -> {
                assertThat(f.isTransient()).isTrue();
                assertThat(f.summary()).isEqualTo("release " + release.shortId() + " of " + host.remote()
                        + ": activation interrupted by a stop, not held against the release (tried again at the next start):"
                        + " nixos-rebuild exited 143 (killed by SIGTERM) (after a shutdown request)");
            });
        }
        HostState state = host.dataDir().loadState();
        assertThat(state.quarantined()).isEmpty();
        assertThat(state.lastSeen()).as("the next poll downloads it again").isEqualTo(before);
        assertThat(state.lastAttempt()).hasValueSatisfying(a -> {
            assertThat(a.errorClass()).isEqualTo(ErrorClass.INTERRUPTED);
            assertThat(a.stopRequested()).isTrue();
            assertThat(a.etag()).isEqualTo(published.etag());
        });
        assertThat(recorder.known(host.dataDir().loadSettings(), state, host.remote(), HostFixture.WEB)).isEmpty();

        // killed by a signal nobody asked for (the OOM killer): it counts; the second time quarantines
        recorder.failed(Optional.of(release), killed, p, () -> { });
        assertThat(host.dataDir().loadState().quarantined()).as("once: tried again").isEmpty();
        recorder.failed(Optional.of(release), killed, p, () -> { });
        assertThat(host.dataDir().loadState().quarantined()).singleElement()
                .satisfies(q -> assertThat(q.etag()).isEqualTo(published.etag()));
    }
}
