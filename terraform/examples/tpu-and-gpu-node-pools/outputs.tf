output "node_selectors" {
  description = "nodeSelector of each pool."
  value = {
    (module.l4_spot.node_pool_name)        = module.l4_spot.node_selector
    (module.v6e_flex_start.node_pool_name) = module.v6e_flex_start.node_selector
  }
}
