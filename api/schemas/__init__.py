"""Request and response models, one module per resource. Requests forbid unknown fields."""
