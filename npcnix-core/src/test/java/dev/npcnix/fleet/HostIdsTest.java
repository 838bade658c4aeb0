package dev.npcnix.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.InvalidInputException;
import dev.npcnix.ec2.InstanceMetadata;
import dev.npcnix.state.DataDir;
import dev.npcnix.testing.ec2.FakeImds;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --host-id, else the EC2 instance id (asked once per boot), else the host name. */
class HostIdsTest {
    @TempDir
    Path tmp;

    private HostId resolve(Optional<String> given, DataDir dir, String boot, Optional<String> ec2, AtomicInteger asked) {
        return HostIds.resolve(given, dir, new HostIds.Sources(() -> Optional.of(boot), () -> {
            asked.incrementAndGet();
            return ec2;
        }, () -> "web-1.example.com"));
    }

    @Test
    void theGivenIdWinsAndMustBeAKeySegment() {
        DataDir dir = DataDir.open(tmp.resolve("data"));
        AtomicInteger asked = new AtomicInteger();
        assertThat(resolve(Optional.of("db-7"), dir, "boot-1", Optional.of("i-0abc"), asked)).isEqualTo(new HostId("db-7"));
        assertThat(asked).hasValue(0);
        for (String bad : new String[] {"../x", "a/b", "", ".hidden", "x".repeat(129), "a b", "end."}) {
            assertThatThrownBy(() -> new HostId(bad)).isInstanceOf(InvalidInputException.class)
                    .hasMessageStartingWith("host id '" + bad + "': not usable as a report name");
        }
    }

    @Test
    void theInstanceIdIsAskedOncePerBoot() {
        DataDir dir = DataDir.open(tmp.resolve("data"));
        AtomicInteger asked = new AtomicInteger();
        assertThat(resolve(Optional.empty(), dir, "boot-1", Optional.of("i-0abc123"), asked)).isEqualTo(new HostId("i-0abc123"));
        assertThat(resolve(Optional.empty(), dir, "boot-1", Optional.of("i-other"), asked)).isEqualTo(new HostId("i-0abc123"));
        assertThat(asked).as("cached for the boot").hasValue(1);

        assertThat(resolve(Optional.empty(), dir, "boot-2", Optional.of("i-new"), asked))
                .as("an image of this host boots as a new instance").isEqualTo(new HostId("i-new"));
        assertThat(asked).hasValue(2);
    }

    @Test
    void offEc2TheHostNameNamesTheHostAndIMDSIsNotAskedAgainThisBoot() {
        DataDir dir = DataDir.open(tmp.resolve("data"));
        AtomicInteger asked = new AtomicInteger();
        assertThat(resolve(Optional.empty(), dir, "boot-1", Optional.empty(), asked)).isEqualTo(new HostId("web-1.example.com"));
        assertThat(resolve(Optional.empty(), dir, "boot-1", Optional.of("i-late"), asked)).isEqualTo(new HostId("web-1.example.com"));
        assertThat(asked).hasValue(1);
    }

    @Test
    void theInstanceIdComesFromTheMetadataService() throws Exception {
        try (FakeImds imds = FakeImds.start()) {
            imds.put("/latest/meta-data/instance-id", "i-0fedcba987654321");
            HostIds.Sources sources = HostIds.system(Map.of(InstanceMetadata.ENDPOINT_ENV, imds.endpoint().toString()));
            assertThat(sources.ec2InstanceId().get()).contains("i-0fedcba987654321");
        }
        HostIds.Sources off = HostIds.system(Map.of(InstanceMetadata.DISABLED_ENV, "true"));
        assertThat(off.ec2InstanceId().get()).isEmpty();
        assertThat(off.hostname().get()).isNotBlank();
    }
}
