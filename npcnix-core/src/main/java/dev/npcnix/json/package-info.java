/**
 * The one JSON stack of npcnix, for the files it writes ({@code state.json}, {@code config.json}, the
 * signed manifest) and the {@code --json} output alike: Jackson's streaming parser and generator,
 * snake_case keys, lowercase enum values, ISO-8601 instants. No data binding: it cost {@code npcnix status}
 * more start-up time than all the rest it does (see {@code docs/performance.md}).
 */
package dev.npcnix.json;
