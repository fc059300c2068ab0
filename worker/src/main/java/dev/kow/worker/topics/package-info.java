/**
 * Topics the worker provisions for itself: the compacted state topics.
 */
@NullMarked
package dev.kow.worker.topics;

import org.jspecify.annotations.NullMarked;
