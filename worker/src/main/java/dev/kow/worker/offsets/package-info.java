/**
 * Out-of-order offset tracking: a partition's offset is committed up to its lowest record
 * still in progress, so many records of one partition can be in flight and finish in any
 * order without a record ever being committed before its outcome is acknowledged.
 */
@NullMarked
package dev.kow.worker.offsets;

import org.jspecify.annotations.NullMarked;
