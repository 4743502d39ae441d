
return decide
end
