"""Services recognised by their behaviour on the chain, where no label names them (issue 17)."""

from cointrail.services.detect import Detection, detect_services, keep_detections, kept_detections

__all__ = ["Detection", "detect_services", "keep_detections", "kept_detections"]
