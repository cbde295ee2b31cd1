"""The HDF5 training pack format: its name, version, layout and errors (no h5py here).

The published loader reads five PNGs and three JSON files per sample and applies the consensus
rule in Python each time; the pack does that work once. :mod:`hggt_desktop.pack.writer` writes
it, :mod:`hggt_desktop.pack.reader` reads it (the trainer) and :mod:`hggt_desktop.pack.checker`
validates it. Layout (format version 1)::

    attrs: format="hggt-pack", format_version, encoding ("raw"|"png"), versions ("01",..),
           annotators, subset, app_version, created, source, command, height, width
    names        (N,)              set stems, utf-8
    images       (N, 1+V, H, W, 3) uint8, one set per chunk          (encoding "raw")
                 (N, 1+V)          vlen uint8: the files' bytes       (encoding "png")
    sizes        (N, 2)            int32 height, width of each set
    file_sha256  (N, 1+V)          hex SHA-256 of each source file
    pixel_sha256 (N, 1+V)          hex SHA-256 of each decoded HxWx3 uint8 array (checks the pack)
    labels       (N, A, V)         int8 label rank per annotator (core.labels.Label.rank:
                                   0 Negative, 1 Similar, 2 Positive; -1 not labelled);
                                   annotator "adjudicated" included
    effective    (N, V)            int8 effective label rank after adjudication, -1 unlabelled
    votes        (N, V)            int8 vote count of the effective label
    raters       (N, V)            int8 number of raters of the version
    adjudicated  (N, V)            bool
    split        (N,)              uint8 0 train, 1 validation

The consensus is core.consensus's (never re-implemented here).
"""

from __future__ import annotations

from hggt_desktop.core.labels import Label

FORMAT = "hggt-pack"
FORMAT_VERSION = 1
ENCODINGS = ("raw", "png")
# The ranks stored in ``labels`` and ``effective`` are the core's (one table, in core.labels).
NEGATIVE, SIMILAR, POSITIVE = Label.NEGATIVE.rank, Label.SIMILAR.rank, Label.POSITIVE.rank
UNLABELLED = -1
TRAINING_VERSIONS = 4
# The datasets a reader needs; a pack missing one is refused with a message naming it.
REQUIRED = (
    "names",
    "sizes",
    "images",
    "file_sha256",
    "pixel_sha256",
    "labels",
    "effective",
    "votes",
    "split",
)


class PackError(Exception):
    """A pack cannot be written or read; the message names the file and what to do."""
