"""The model server on every site: `InferenceService` (vLLM, its Services, PDB, KEDA scaling, identity)."""

from components.inference.service import InferenceService, WeightsAccess

__all__ = ["InferenceService", "WeightsAccess"]
