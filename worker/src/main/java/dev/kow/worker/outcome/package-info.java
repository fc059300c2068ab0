/**
 * Results and dead letters, published before an offset may be committed.
 */
@NullMarked
package dev.kow.worker.outcome;

import org.jspecify.annotations.NullMarked;
