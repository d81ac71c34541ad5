"""dedup: find duplicate and near-duplicate news articles.

MinHash LSH (datasketch) proposes candidate pairs over shingled bodies with site templates
removed; each candidate is verified with exact Jaccard, containment, TF-IDF cosine and title
similarity, and verified pairs are clustered without chaining.
"""

from importlib.metadata import PackageNotFoundError, version

from .config import BoilerplateConfig, DedupConfig, LSHConfig, ShingleConfig, VerifyConfig
from .errors import ConfigError, DedupError, InputError, MissingExtraError
from .ingest import FieldMap, ReadResult, read_articles
from .pipeline import DedupResult, find_duplicates
from .types import Article, Cluster, ClusterMember, Match

try:
    __version__ = version("dedup")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = [
    "Article",
    "BoilerplateConfig",
    "Cluster",
    "ClusterMember",
    "ConfigError",
    "DedupConfig",
    "DedupError",
    "DedupResult",
    "FieldMap",
    "InputError",
    "LSHConfig",
    "Match",
    "MissingExtraError",
    "ReadResult",
    "ShingleConfig",
    "VerifyConfig",
    "__version__",
    "find_duplicates",
    "read_articles",
]
