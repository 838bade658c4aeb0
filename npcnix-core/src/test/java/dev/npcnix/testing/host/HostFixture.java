package dev.npcnix.testing.host;

import dev.npcnix.ConfigurationName;
import dev.npcnix.activate.Activators;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.follow.FollowOptions;
import dev.npcnix.follow.Follower;
import dev.npcnix.local.LocalFiles;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.publish.Publisher;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.TestClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A bootstrapped host for one test: a data dir following a {@code file://} remote as configuration
 * {@code web}, the sample flake to publish there, the fake {@code nixos-rebuild}, a test clock, and the
 * stores, closed afterwards. Everything lives in a fresh temp dir, removed after the test.
 * <pre>{@code
 * @RegisterExtension
 * final HostFixture host = new HostFixture();
 * ... host.publish(); host.follower().pollOnce() ...
 * }</pre>
 *
 * <p>It lives in npcnix-core's test jar, not in {@code src-test-fixtures}: it is made of core types
 * (data dir, stores, publisher, follower), and core's own tests use it, so the fixtures module (which
 * core's tests depend on) cannot depend on core. The daemon and the CLI tests get it from core's test jar.
 */
public final class HostFixture implements BeforeEachCallback, AfterEachCallback {
    public static final ConfigurationName WEB = ConfigurationName.of("web");

    private Path root;
    private TestClock clock;
    private FakeNixosRebuild rebuild;
    private RemoteStores stores;
    private DataDir dataDir;
    private Path flake;
    private RemoteUri remote;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        root = Files.createTempDirectory("npcnix-host-");
        clock = TestClock.at("2026-03-01T12:00:00Z");
        rebuild = FakeNixosRebuild.install(root.resolve("fake"));
        stores = new RemoteStores(StoreSettings.of(Map.of(), Optional.empty(), Optional.empty()));
        dataDir = DataDir.open(root.resolve("data"));
        flake = Fixtures.webFlake(root.resolve("flake"));
        remote = RemoteUri.of(root.resolve("store/prod.npcnix"));
        dataDir.storeSettings(Settings.empty().withRemote(remote).withConfiguration(WEB));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stores.close();
        try {
            LocalFiles.deleteRecursively(root);
        } catch (UncheckedIOException e) {
            // a test that made something unremovable (a read-only dir) leaves it in /tmp
        }
    }

    /** A directory of this test's own, for anything else it needs. */
    public Path tmp() {
        return root;
    }

    public TestClock clock() {
        return clock;
    }

    public FakeNixosRebuild rebuild() {
        return rebuild;
    }

    public RemoteStores stores() {
        return stores;
    }

    public DataDir dataDir() {
        return dataDir;
    }

    /** The sample flake, free to change before the next {@link #publish()}. */
    public Path flake() {
        return flake;
    }

    public RemoteUri remote() {
        return remote;
    }

    /** Publishes the flake as it is now to the remote. */
    public PublishResult publish() {
        return new Publisher(stores, root.resolve("publish-tmp")).publish(flake, remote, PackOptions.defaults(),
                RemoteStore.TransferListener.NONE);
    }

    /** A poll step for this host running the fake nixos-rebuild. */
    public Follower follower(FollowOptions options) {
        return follower(dataDir, options);
    }

    /** A poll step on another data dir (another file system), with the same stores and stand-in. */
    public Follower follower(DataDir dir, FollowOptions options) {
        return new Follower(dir, stores, Activators.nixosRebuild(rebuild.env(), Optional.empty()), clock, options);
    }

    public Follower follower() {
        return follower(FollowOptions.defaults());
    }
}
