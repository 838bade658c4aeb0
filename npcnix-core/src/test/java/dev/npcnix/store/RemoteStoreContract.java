package dev.npcnix.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.testing.http.Traffic;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link RemoteStore} guarantees, written once against the public API and run for each
 * implementation by a subclass that supplies the store, fresh remotes and, where the store talks to
 * a counted server, the traffic meter.
 */
abstract class RemoteStoreContract {

    /** Reads and resets what a test server received. */
    interface TrafficMeter {
        Traffic traffic();

        void reset();
    }

    @TempDir
    Path scratch;

    private final Random random = new Random(42);

    /** The store under test. */
    protected abstract RemoteStore store();

    /** A remote nothing was published to yet; unique per call. */
    protected abstract RemoteUri newRemote();

    /** The traffic meter of the server behind the store, if it has one. */
    protected Optional<TrafficMeter> meter() {
        return Optional.empty();
    }

    /** Publishes {@code archive}; read-only stores publish behind their own back. */
    protected RemoteObject publish(RemoteUri remote, Path archive, RemoteStore.TransferListener listener) {
        return store().publish(remote, archive, listener);
    }

    protected final RemoteObject publish(RemoteUri remote, byte[] bytes) {
        return publish(remote, write(bytes), RemoteStore.TransferListener.NONE);
    }

    protected final Path write(byte[] bytes) {
        try {
            return Files.write(Files.createTempFile(scratch, "archive", ".npcnix"), bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    protected final byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    protected static byte[] readAll(FetchResult result) {
        assertThat(result).isInstanceOf(FetchResult.Download.class);
        try (InputStream in = ((FetchResult.Download) result).body()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aStreamedDownloadServesTheBytesAndTheirEtagAtTheEnd() throws IOException {
        RemoteUri remote = newRemote();
        byte[] bytes = randomBytes(300_000);
        Etag published = publish(remote, bytes).etag();

        try (RemoteStore.Streamed download = store().stream(remote)) {
            assertThat(download.body().readAllBytes()).isEqualTo(bytes);
            assertThat(download.etag()).isEqualTo(published);
        }
    }

    @Test
    void fetchingAnAbsentRemoteIsNotFound() {
        RemoteUri remote = newRemote();

        assertThatThrownBy(() -> store().fetch(remote, Optional.empty()))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).isEqualTo(StoreException.Reason.NOT_FOUND);
                    assertThat(e.getMessage()).startsWith("remote " + remote + ": ").doesNotContain("\n");
                    assertThat(e.isTransient()).isTrue();
                });
    }

    @Test
    void fetchingWithAnEtagOfAnAbsentRemoteIsNotFound() {
        RemoteUri remote = newRemote();

        assertThatThrownBy(() -> store().fetch(remote, Optional.of(new Etag("0123abcd"))))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.NOT_FOUND));
    }

    @Test
    void publishedBytesComeBackWithTheEtagThePublishReported() {
        RemoteUri remote = newRemote();
        byte[] bytes = randomBytes(100_000);
        RemoteObject published = publish(remote, bytes);

        FetchResult result = store().fetch(remote, Optional.empty());

        assertThat(result).isInstanceOfSatisfying(FetchResult.Download.class, d -> {
            assertThat(d.etag()).isEqualTo(published.etag());
            assertThat(d.size()).isEqualTo(bytes.length);
        });
        assertThat(readAll(result)).isEqualTo(bytes);
        assertThat(published.size()).isEqualTo(bytes.length);
        assertThat(published.remote()).isEqualTo(remote);
    }

    @Test
    void anUnchangedPollIsOneRequestWithoutBody() {
        RemoteUri remote = newRemote();
        Etag etag = publish(remote, randomBytes(50_000)).etag();
        readAll(store().fetch(remote, Optional.empty()));
        meter().ifPresent(TrafficMeter::reset);

        FetchResult result = store().fetch(remote, Optional.of(etag));

        assertThat(result).isEqualTo(new FetchResult.Unchanged(etag));
        meter().ifPresent(m -> {
            assertThat(m.traffic().requests()).hasSize(1).allSatisfy(r -> assertThat(r).startsWith("GET "));
            assertThat(m.traffic().responseBodyBytes()).isZero();
        });
    }

    @Test
    void aChangedPollIsOneRequest() {
        RemoteUri remote = newRemote();
        Etag old = publish(remote, randomBytes(1000)).etag();
        byte[] newer = randomBytes(2000);
        Etag fresh = publish(remote, newer).etag();
        meter().ifPresent(TrafficMeter::reset);

        FetchResult result = store().fetch(remote, Optional.of(old));

        assertThat(readAll(result)).isEqualTo(newer);
        assertThat(((FetchResult.Download) result).etag()).isEqualTo(fresh).isNotEqualTo(old);
        meter().ifPresent(m -> {
            assertThat(m.traffic().requests()).hasSize(1).allSatisfy(r -> assertThat(r).startsWith("GET "));
            assertThat(m.traffic().responseBodyBytes()).isGreaterThanOrEqualTo(newer.length);
        });
    }

    @Test
    void republishingIdenticalBytesKeepsTheEtag() {
        RemoteUri remote = newRemote();
        byte[] bytes = randomBytes(10_000);

        Etag first = publish(remote, bytes).etag();
        Etag second = publish(remote, bytes.clone()).etag();

        assertThat(second).isEqualTo(first);
        assertThat(store().fetch(remote, Optional.of(first))).isInstanceOf(FetchResult.Unchanged.class);
    }

    @Test
    void theEtagMatchesQuotedUnquotedOrWeak() {
        RemoteUri remote = newRemote();
        String value = publish(remote, randomBytes(5000)).etag().value();

        for (String held : List.of(value, '"' + value + '"', "W/\"" + value + '"', " \"" + value + "\" ")) {
            assertThat(store().fetch(remote, Optional.of(Etag.parse(held))))
                    .as("held ETag %s", held)
                    .isEqualTo(new FetchResult.Unchanged(new Etag(value)));
        }
    }

    @Test
    void aForeignEtagDownloads() {
        RemoteUri remote = newRemote();
        byte[] bytes = randomBytes(3000);
        publish(remote, bytes);

        assertThat(readAll(store().fetch(remote, Optional.of(new Etag("not-the-etag"))))).isEqualTo(bytes);
    }

    @Test
    void headOfAnAbsentRemoteIsEmpty() {
        assertThat(store().head(newRemote())).isEmpty();
    }

    @Test
    void headOfAPublishedRemoteHasItsSizeAndEtag() {
        RemoteUri remote = newRemote();
        byte[] bytes = randomBytes(12_345);
        Etag etag = publish(remote, bytes).etag();

        assertThat(store().head(remote)).hasValueSatisfying(o -> {
            assertThat(o.remote()).isEqualTo(remote);
            assertThat(o.etag()).isEqualTo(etag);
            assertThat(o.size()).isEqualTo(bytes.length);
        });
    }

    @Test
    void aLargeArchiveRoundTripsAndPublishReportsProgress() {
        RemoteUri remote = newRemote();
        byte[] bytes = randomBytes(3 * 1024 * 1024 + 17);
        List<long[]> progress = new ArrayList<>();

        RemoteObject published = publish(remote, write(bytes), (done, total) -> progress.add(new long[] {done, total}));

        assertThat(readAll(store().fetch(remote, Optional.empty()))).isEqualTo(bytes);
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1)).containsExactly(bytes.length, bytes.length);
        assertThat(published.size()).isEqualTo(bytes.length);
    }

    @Test
    void anEmptyArchiveRoundTrips() {
        RemoteUri remote = newRemote();
        Etag etag = publish(remote, new byte[0]).etag();

        FetchResult result = store().fetch(remote, Optional.empty());

        assertThat(((FetchResult.Download) result).etag()).isEqualTo(etag);
        assertThat(readAll(result)).isEmpty();
    }

    // Small objects next to a remote: reports and release history.

    private static final String JSON = "application/json";

    /** Writes a small object; a read-only store gets it behind its back (through {@link #publish}). */
    private RemoteObject put(RemoteUri object, byte[] bytes) {
        return store().readOnly() ? publish(object, bytes) : store().write(object, bytes, JSON, RemoteStore.Condition.NONE);
    }

    @Test
    void aSmallObjectNextToTheRemoteReadsBackWithItsEtag() {
        RemoteUri object = newRemote().sibling(".hosts/web-1.json");
        byte[] first = "{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] second = "{\"a\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        put(object, first);
        RemoteObject written = put(object, second);

        Optional<RemoteStore.Stored> read = store().read(object, 1024);

        assertThat(read).hasValueSatisfying(r -> {
            assertThat(r.content()).isEqualTo(second);
            if (!store().readOnly()) {
                assertThat(r.etag()).isEqualTo(written.etag());
            }
        });
    }

    @Test
    void readingAnAbsentObjectIsEmpty() {
        assertThat(store().read(newRemote().sibling(".hosts/nobody.json"), 1024)).isEmpty();
    }

    @Test
    void readingAnObjectLargerThanAskedFails() {
        RemoteUri object = newRemote().sibling(".releases/index.json");
        put(object, randomBytes(5000));

        assertThatThrownBy(() -> store().read(object, 4096)).isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.reason()).isEqualTo(StoreException.Reason.OTHER);
            assertThat(e.getMessage()).startsWith("remote " + object + ": ").contains("4096");
        });
    }

    @Test
    void aReadOnlyStoreRefusesEveryWriteAndWritableOnesDoNot() {
        RemoteUri remote = newRemote();
        RemoteUri object = remote.sibling(".hosts/web-1.json");
        if (!store().readOnly()) {
            store().write(object, new byte[] {1}, JSON, RemoteStore.Condition.NONE);
            assertThat(store().list(remote, ".hosts/")).extracting(RemoteStore.Listed::name).containsExactly("web-1.json");
            return;
        }
        for (org.assertj.core.api.ThrowableAssert.ThrowingCallable call : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
                () -> store().write(object, new byte[] {1}, JSON, RemoteStore.Condition.NONE),
                () -> store().list(remote, ".hosts/"),
                () -> store().delete(object),
                () -> store().copy(remote, object, new Etag("abc")))) {
            assertThatThrownBy(call).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.UNSUPPORTED));
        }
    }

    @Test
    void aCreateOnlyWriteFailsWhenTheObjectExistsAndChangesNothing() {
        if (store().readOnly()) {
            return; // refused whole: aReadOnlyStoreRefusesEveryWriteAndWritableOnesDoNot
        }
        RemoteUri object = newRemote().sibling(".releases/index.json");
        store().write(object, new byte[] {1}, JSON, RemoteStore.Condition.ABSENT);

        assertThatThrownBy(() -> store().write(object, new byte[] {2}, JSON, RemoteStore.Condition.ABSENT))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFLICT));
        assertThat(store().read(object, 10).orElseThrow().content()).containsExactly(1);
    }

    @Test
    void aWriteIfMatchReplacesOnlyTheVersionItRead() {
        if (store().readOnly()) {
            return;
        }
        RemoteUri object = newRemote().sibling(".releases/index.json");
        Etag first = store().write(object, new byte[] {1}, JSON, RemoteStore.Condition.NONE).etag();
        Etag second = store().write(object, new byte[] {2}, JSON, RemoteStore.Condition.matching(first)).etag();

        assertThatThrownBy(() -> store().write(object, new byte[] {3}, JSON, RemoteStore.Condition.matching(first)))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFLICT));
        assertThat(store().read(object, 10).orElseThrow()).satisfies(r -> {
            assertThat(r.content()).containsExactly(2);
            assertThat(r.etag()).isEqualTo(second);
        });
    }

    @Test
    void aListingHasTheFolderOwnObjectsByNameAndAnAbsentFolderIsEmpty() {
        if (store().readOnly()) {
            return;
        }
        RemoteUri remote = newRemote();
        assertThat(store().list(remote, ".hosts/")).isEmpty();
        store().write(remote.sibling(".hosts/web-2.json"), new byte[] {1, 2}, JSON, RemoteStore.Condition.NONE);
        store().write(remote.sibling(".hosts/web-1.json"), new byte[] {1}, JSON, RemoteStore.Condition.NONE);
        store().write(remote.sibling(".hosts/old/web-3.json"), new byte[] {1}, JSON, RemoteStore.Condition.NONE);
        store().write(remote.sibling(".hostsx/web-4.json"), new byte[] {1}, JSON, RemoteStore.Condition.NONE);

        List<RemoteStore.Listed> listed = store().list(remote, ".hosts/");

        assertThat(listed).extracting(RemoteStore.Listed::name).containsExactly("web-1.json", "web-2.json");
        assertThat(listed).extracting(RemoteStore.Listed::size).containsExactly(1L, 2L);
    }

    @Test
    void aTreeListingHasEveryObjectUnderTheFolderAtAnyDepthInOneCall() {
        RemoteUri remote = newRemote();
        if (store().readOnly()) {
            assertThatThrownBy(() -> store().listTree(remote, ".rollout/1/")).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.UNSUPPORTED));
            return;
        }
        assertThat(store().listTree(remote, ".rollout/1/")).isEmpty();
        store().write(remote.sibling(".rollout/1/joined/0/web-1"), new byte[] {1}, JSON, RemoteStore.Condition.NONE);
        store().write(remote.sibling(".rollout/1/applied/0/web-1"), new byte[] {1, 2}, JSON, RemoteStore.Condition.NONE);
        store().write(remote.sibling(".rollout/1/halt"), new byte[] {1}, JSON, RemoteStore.Condition.NONE);
        store().write(remote.sibling(".rollout/12/halt"), new byte[] {1}, JSON, RemoteStore.Condition.NONE);

        List<RemoteStore.Listed> listed = store().listTree(remote, ".rollout/1/");

        assertThat(listed).extracting(RemoteStore.Listed::name).containsExactly("applied/0/web-1", "halt", "joined/0/web-1");
        assertThat(listed).allSatisfy(l -> assertThat(l.lastModified()).isPresent());
    }

    @Test
    void deleteRemovesAndDeletingAnAbsentObjectIsFine() {
        if (store().readOnly()) {
            return;
        }
        RemoteUri object = newRemote().sibling(".releases/1-abc.npcnix");
        store().write(object, new byte[] {1}, JSON, RemoteStore.Condition.NONE);

        store().delete(object);
        store().delete(object);

        assertThat(store().read(object, 10)).isEmpty();
    }

    @Test
    void aCopyIsMadeOnlyWhileTheSourceIsTheVersionNamed() {
        if (store().readOnly()) {
            return;
        }
        RemoteUri remote = newRemote();
        byte[] bytes = randomBytes(70_000);
        Etag etag = publish(remote, bytes).etag();
        RemoteUri kept = remote.sibling(".releases/1-0123456789ab.npcnix");

        store().copy(remote, kept, etag);
        publish(remote, randomBytes(10));

        assertThat(readAll(store().fetch(kept, Optional.empty()))).isEqualTo(bytes);
        RemoteUri other = remote.sibling(".releases/2-0123456789ab.npcnix");
        assertThatThrownBy(() -> store().copy(remote, other, etag))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFLICT));
        assertThat(store().read(other, 100)).isEmpty();
    }
}
