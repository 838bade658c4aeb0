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
}
