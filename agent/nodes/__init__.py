"""The MedReason pipeline's steps, one module each: plain functions of state and runtime context."""
