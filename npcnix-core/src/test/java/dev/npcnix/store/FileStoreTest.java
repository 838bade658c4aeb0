package dev.npcnix.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest extends RemoteStoreContract {
    @TempDir
    Path storeDir;

    private RemoteStores stores;

    @BeforeEach
    void openStores() {
        stores = new RemoteStores(StoreSettings.of(java.util.Map.of(), Optional.empty(), Optional.empty()));
    }

    @AfterEach
    void closeStores() {
        stores.close();
    }

    @Override
    protected RemoteStore store() {
        return stores.forRemote(RemoteUri.of(storeDir.resolve("x")));
    }

    @Override
    protected RemoteUri newRemote() {
        return RemoteUri.of(storeDir.resolve("remotes").resolve(UUID.randomUUID() + ".npcnix"));
    }

    @Test
    void aStreamedDownloadOfAFileNotSeenBeforeIsHashedOnceAsItIsRead() throws Exception {
        RemoteUri remote = newRemote();
        byte[] bytes = randomBytes(100_000);
        Files.createDirectories(remote.path().getParent());
        Files.write(remote.path(), bytes); // not published through this store: its ETag is not known yet

        try (RemoteStore.Streamed download = store().stream(remote)) {
            assertThatThrownBy(download::etag).isInstanceOf(IllegalStateException.class).hasMessageContaining("read to its end");
            assertThat(download.body().readAllBytes()).isEqualTo(bytes);
            assertThat(download.etag().value()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        }
    }

    @Test
    void theEtagIsTheSha256OfTheContent() throws Exception {
        byte[] bytes = randomBytes(4096);

        Etag etag = publish(newRemote(), bytes).etag();

        assertThat(etag.value()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    @Test
    void publishCreatesParentDirectoriesAndLeavesNoTemporaryFiles() throws IOException {
        RemoteUri remote = RemoteUri.of(storeDir.resolve("a/b/c/prod.npcnix"));

        publish(remote, randomBytes(100));
        publish(remote, randomBytes(200));

        try (Stream<Path> files = Files.list(remote.path().getParent())) {
            assertThat(files).containsExactly(remote.path());
        }
    }

    @Test
    void republishKeepsTheFileMode() throws IOException {
        RemoteUri remote = newRemote();
        publish(remote, randomBytes(100));
        Files.setPosixFilePermissions(remote.path(), PosixFilePermissions.fromString("rw-r-----"));

        publish(remote, randomBytes(100));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(remote.path()))).isEqualTo("rw-r-----");
    }

    @Test
    void aDownloadStartedBeforeARepublishServesTheBytesOfItsEtag() throws IOException {
        RemoteUri remote = newRemote();
        byte[] old = randomBytes(200_000);
        Etag oldEtag = publish(remote, old).etag();

        try (FetchResult.Download download = (FetchResult.Download) store().fetch(remote, Optional.empty())) {
            publish(remote, randomBytes(300_000));

            assertThat(download.etag()).isEqualTo(oldEtag);
            assertThat(download.body().readAllBytes()).isEqualTo(old);
        }
    }

    @Test
    void readersNeverSeeAPartialFileWhilePublishesRunConcurrently() throws Exception {
        RemoteUri remote = newRemote();
        byte[] a = randomBytes(150_000);
        byte[] b = randomBytes(250_000);
        Path fileA = write(a);
        Path fileB = write(b);
        publish(remote, a);
        RemoteStore writerStore = new FileStore(); // its own cache, as another process would have
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < 200; i++) {
                    writerStore.publish(remote, i % 2 == 0 ? fileB : fileA);
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        });
        writer.start();
        int reads = 0;
        while (writer.isAlive() || reads < 20) {
            FetchResult.Download d = (FetchResult.Download) store().fetch(remote, Optional.empty());
            byte[] got = readAll(d);
            assertThat(got).satisfiesAnyOf(x -> assertThat(x).isEqualTo(a), x -> assertThat(x).isEqualTo(b));
            assertThat(d.etag().value()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)));
            reads++;
        }
        writer.join();
        assertThat(writerFailure.get()).isNull();
        try (Stream<Path> files = Files.list(remote.path().getParent())) {
            assertThat(files).containsExactly(remote.path());
        }
    }

    @Test
    void anUnchangedPollDecidesFromFileIdentityWithoutReadingContent() throws IOException {
        RemoteUri remote = newRemote();
        Etag etag = publish(remote, randomBytes(1000)).etag();
        FileTime mtime = Files.getLastModifiedTime(remote.path());
        // Overwrite in place (same inode, same size) and put the mtime back: only reading would notice.
        Files.write(remote.path(), randomBytes(1000), StandardOpenOption.WRITE);
        Files.setLastModifiedTime(remote.path(), mtime);

        assertThat(store().fetch(remote, Optional.of(etag))).isEqualTo(new FetchResult.Unchanged(etag));
        // A full fetch reads, and the body is checked against the ETag it came with.
        assertThatThrownBy(() -> readAll(store().fetch(remote, Optional.empty())))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CORRUPT));
    }

    @Test
    void aFileReplacedByAnotherToolIsNoticed() throws IOException {
        RemoteUri remote = newRemote();
        Etag etag = publish(remote, randomBytes(1000)).etag();
        byte[] other = randomBytes(1000);
        Path tmp = write(other);
        Files.move(tmp, remote.path(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThat(readAll(store().fetch(remote, Optional.of(etag)))).isEqualTo(other);
    }

    @Test
    void aFileTruncatedWhileItIsReadIsCorrupt() throws IOException {
        RemoteUri remote = newRemote();
        publish(remote, randomBytes(100_000));

        try (FetchResult.Download d = (FetchResult.Download) store().fetch(remote, Optional.empty())) {
            try (FileChannel ch = FileChannel.open(remote.path(), StandardOpenOption.WRITE)) {
                ch.truncate(10);
            }
            assertThatThrownBy(() -> d.body().readAllBytes())
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.reason()).isEqualTo(StoreException.Reason.CORRUPT);
                        assertThat(e.getMessage()).startsWith("remote " + remote + ": ").contains("10 of 100000");
                    });
        }
    }

    @Test
    void aFileRewrittenInPlaceWhileItIsReadIsCorrupt() throws IOException {
        RemoteUri remote = newRemote();
        publish(remote, randomBytes(100_000));

        try (FetchResult.Download d = (FetchResult.Download) store().fetch(remote, Optional.empty())) {
            InputStream body = d.body();
            body.readNBytes(10);
            try (FileChannel ch = FileChannel.open(remote.path(), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(randomBytes(1000)), 50_000);
            }
            assertThatThrownBy(body::readAllBytes)
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CORRUPT));
        }
    }

    @Test
    void aDirectoryIsNotARemote() throws IOException {
        Path dir = Files.createDirectories(storeDir.resolve("dir.npcnix"));

        RemoteUri remote = RemoteUri.parse("file://" + dir); // RemoteUri.of(dir) would add a slash and refuse it

        assertThatThrownBy(() -> store().fetch(remote, Optional.empty()))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).isEqualTo(StoreException.Reason.OTHER);
                    assertThat(e.getMessage()).contains("is a directory");
                });
    }

    @Test
    void anUnreadableFileIsAccessDenied() throws IOException {
        RemoteUri remote = newRemote();
        publish(remote, randomBytes(10));
        Files.setPosixFilePermissions(remote.path(), PosixFilePermissions.fromString("---------"));
        Assumptions.assumeFalse(Files.isReadable(remote.path()), "running as root: permissions are not enforced");

        assertThatThrownBy(() -> store().fetch(remote, Optional.empty()))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.ACCESS_DENIED));
    }

    @Test
    void publishingAMissingArchiveIsInvalidInput() {
        Path missing = storeDir.resolve("nope.npcnix");

        assertThatThrownBy(() -> store().publish(newRemote(), missing))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("archive " + missing + ": no such file");
    }
}
