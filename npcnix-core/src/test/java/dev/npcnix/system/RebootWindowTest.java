package dev.npcnix.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.InvalidInputException;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class RebootWindowTest {
    private static ZonedDateTime at(String time) {
        return ZonedDateTime.parse("2026-03-01T" + time + ":00+01:00[Europe/Paris]");
    }

    @Test
    void aWindowWithinADayIsOpenFromItsStartToItsEnd() {
        RebootWindow w = RebootWindow.parse("02:00-04:00");
        assertThat(w.isOpen(at("01:59"))).isFalse();
        assertThat(w.isOpen(at("02:00"))).isTrue();
        assertThat(w.isOpen(at("03:59"))).isTrue();
        assertThat(w.isOpen(at("04:00"))).isFalse();
        assertThat(w.nextOpening(at("12:00"))).isEqualTo(ZonedDateTime.parse("2026-03-02T02:00:00+01:00[Europe/Paris]"));
        assertThat(w).hasToString("02:00-04:00");
    }

    @Test
    void aWindowAcrossMidnightWraps() {
        RebootWindow w = RebootWindow.parse("22:30-01:00");
        assertThat(w.isOpen(at("23:00"))).isTrue();
        assertThat(w.isOpen(at("00:30"))).isTrue();
        assertThat(w.isOpen(at("12:00"))).isFalse();
    }

    @Test
    void malformedWindowsAndPoliciesAreInvalidInput() {
        assertThatThrownBy(() -> RebootWindow.parse("2-4")).isInstanceOf(InvalidInputException.class)
                .hasMessage("reboot window '2-4': expected HH:MM-HH:MM, e.g. 02:00-04:00");
        assertThatThrownBy(() -> RebootPolicy.parse("sometimes")).isInstanceOf(InvalidInputException.class)
                .hasMessage("reboot 'sometimes': expected never, when-needed or always");
        assertThat(RebootPolicy.parse("when-needed")).isEqualTo(RebootPolicy.WHEN_NEEDED);
    }
}
