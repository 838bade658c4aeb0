package dev.npcnix.fleet;

import dev.npcnix.ec2.InstanceMetadata;
import dev.npcnix.ec2.InstanceMetadataException;
import dev.npcnix.state.DataDir;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which host id this host reports as: the one given ({@code --host-id}), else the EC2 instance id when
 * the instance metadata service answers (IMDSv2, a few seconds at most when it does not), else the host
 * name. What the metadata service said is kept in the data dir with the boot it was asked in, so a
 * daemon restarted after each activation does not ask again, and a machine made from an image of a
 * host (same data dir, new instance) asks again at its first boot.
 */
public final class HostIds {
    private static final Logger log = LoggerFactory.getLogger(HostIds.class);
    private static final String NONE = "-";

    /** What resolution asks the machine, replaceable in tests. */
    public record Sources(Supplier<Optional<String>> bootId, Supplier<Optional<String>> ec2InstanceId,
            Supplier<String> hostname) {
    }

    private HostIds() {
    }

    /** This machine's boot id, the metadata service named by {@code env}, and its kernel host name. */
    public static Sources system(Map<String, String> env) {
        return new Sources(HostIds::bootId, () -> ec2InstanceId(env), HostIds::hostname);
    }

    public static HostId resolve(Optional<String> given, DataDir dataDir, Sources sources) {
        if (given.isPresent()) {
            return new HostId(given.get().strip());
        }
        Optional<String> boot = sources.bootId().get();
        Optional<String> cached = dataDir.loadHostIdCache().map(String::strip);
        Optional<String> instance;
        if (boot.isPresent() && cached.isPresent() && cached.get().startsWith(boot.get() + " ")) {
            String value = cached.get().substring(boot.get().length() + 1);
            instance = value.equals(NONE) ? Optional.empty() : Optional.of(value);
        } else {
            instance = sources.ec2InstanceId().get().filter(HostId::isValid);
            if (boot.isPresent()) {
                try {
                    dataDir.storeHostIdCache(boot.get() + " " + instance.orElse(NONE) + "\n");
                } catch (RuntimeException e) {
                    log.debug("cannot keep the host id in the data dir: {}", e.getMessage());
                }
            }
        }
        if (instance.isPresent()) {
            return new HostId(instance.get());
        }
        return new HostId(sources.hostname().get());
    }

    private static Optional<String> bootId() {
        try {
            return Optional.of(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip()).filter(s -> !s.isEmpty());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> ec2InstanceId(Map<String, String> env) {
        try (InstanceMetadata metadata = InstanceMetadata.connect(env)) {
            return Optional.of(metadata.instanceId().strip());
        } catch (InstanceMetadataException e) {
            log.debug("no EC2 instance id ({}); the host name names this host", e.getMessage());
            return Optional.empty();
        }
    }

    /** The kernel's host name (what {@code networking.hostName} sets), else what Java finds. */
    private static String hostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask Java
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
