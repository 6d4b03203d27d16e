from components.gateway.component import Gateway

__all__ = ["Gateway"]
