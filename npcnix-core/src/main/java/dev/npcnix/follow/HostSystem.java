package dev.npcnix.follow;

import dev.npcnix.system.NixosSystem;
import java.time.ZoneId;
import java.util.Objects;

/**
 * What safe activation needs of the host besides the poll step's own collaborators: its NixOS system
 * (profile, links, programs), how to wait between rounds of checks, and the zone reboot windows are in.
 *
 * @param zone the reboot window's local time
 */
public record HostSystem(NixosSystem system, Sleeper sleeper, ZoneId zone) {
    public HostSystem {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(sleeper, "sleeper");
        Objects.requireNonNull(zone, "zone");
    }
}
